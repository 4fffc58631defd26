package io.fluxtrace.springai;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.time.Duration;
import java.util.Map;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * A real Spring Boot WebFlux app with Spring AI's OpenAI client, as a user writes it: no fluxtrace code around the
 * Spring AI calls. The {@link ReactorTracing} bean stands in for the starter's until the starter lands.
 */
@SpringBootApplication(proxyBeanMethods = false)
class TestApp {

  @Bean(destroyMethod = "close")
  FluxTracer fluxTracer(@Value("${test.otlp.base-url}") String baseUrl) {
    return FluxTracer.builder(Map.of())
        .publicKey("pk-lf-springai")
        .secretKey("sk-lf-springai")
        .baseUrl(baseUrl)
        .shutdownHook(false)
        .flushAt(10_000)
        .flushInterval(Duration.ofMinutes(1))
        .build();
  }

  @Bean
  ReactorTracing reactorTracing(FluxTracer tracer) {
    return ReactorTracing.create(tracer);
  }

  @Bean
  ChatClient chatClient(ChatClient.Builder builder) {
    return builder.defaultSystem("You are a terse weather assistant.").build();
  }

  /** The tool the fake model asks for. */
  static final class WeatherTools {
    @Tool(description = "The current weather in a city")
    String weather(@ToolParam(description = "the city") String city) {
      return "{\"city\":\"" + city + "\",\"celsius\":21}";
    }
  }

  @RestController
  static class ChatController {

    private final ChatClient chat;
    private final ReactorTracing tracing;

    ChatController(ChatClient chat, ReactorTracing tracing) {
      this.chat = chat;
      this.tracing = tracing;
    }

    /** A streamed answer that uses a tool; the request is the trace's root span, with the user and session. */
    @GetMapping(value = "/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<String> chat(@RequestParam String q, @RequestParam String user, @RequestParam String session) {
      return chat.prompt().user(q).tools(new WeatherTools()).stream().content()
          .transform(tracing.span("request").flux())
          .contextWrite(TraceContext.userId(user))
          .contextWrite(TraceContext.sessionId(session));
    }

    /** A streamed answer without tools, linked to a Langfuse prompt. */
    // README: spring-ai-prompt
    @GetMapping(value = "/plain", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<String> plain(@RequestParam String q, @RequestParam String user) {
      return chat.prompt().user(q).stream().content()
          .contextWrite(SpringAiTracing.prompt("weather-answer", 3))
          .transform(tracing.span("request").flux())
          .contextWrite(TraceContext.userId(user));
    }
    // END README
  }
}
