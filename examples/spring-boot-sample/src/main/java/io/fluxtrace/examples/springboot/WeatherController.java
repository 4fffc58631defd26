package io.fluxtrace.examples.springboot;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * {@code GET /ai/chat?q=...}: a Spring AI {@code ChatClient} answer that calls a tool, streamed as server-sent
 * events. No fluxtrace code: the starter traces every model call as a generation and the tool beside it, with the
 * request's user and session.
 */
@RestController
class WeatherController {

  private final ChatClient chat;

  WeatherController(ChatClient.Builder builder) {
    this.chat = builder.defaultSystem("You are a terse weather assistant.").defaultTools(new WeatherTools()).build();
  }

  // README: spring-ai-sample
  @GetMapping(path = "/ai/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  Flux<String> chat(@RequestParam("q") String city) {
    return chat.prompt().user(city).stream().content();
  }
  // END README

  /** The tool the model may call. */
  static final class WeatherTools {
    @Tool(description = "The current weather in a city")
    String weather(@ToolParam(description = "the city") String city) {
      return "{\"city\":\"" + city + "\",\"celsius\":21}";
    }
  }
}
