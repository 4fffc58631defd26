package io.fluxtrace.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import io.fluxtrace.springai.testing.FakeOpenAiServer;
import io.fluxtrace.springai.testing.OpenAiClients;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import reactor.core.publisher.Flux;

/** The set-up without Spring Boot's auto-configuration, and the options, with the real OpenAI client. */
class ProgrammaticSetUpTest {

  private final FakeOpenAiServer openAi = FakeOpenAiServer.start(Duration.ofMillis(50), Duration.ofMillis(5));
  private final OtlpReceiver receiver = OtlpReceiver.start();
  private final FluxTracer tracer = FluxTracer.builder(Map.of())
      .publicKey("pk-lf-springai")
      .secretKey("sk-lf-springai")
      .baseUrl(receiver.baseUrl())
      .shutdownHook(false)
      .build();
  private final ReactorTracing tracing = ReactorTracing.create(tracer);

  @AfterEach
  void close() {
    tracer.close();
    receiver.close();
    openAi.close();
  }

  /** The provider's chat model, built with {@code manager} (Spring AI 1.1 runs its tool loop inside the model). */
  private ChatModel openAiChatModel(ToolCallingManager manager) {
    return OpenAiClients.current().chatModel(openAi.baseUrl(), manager);
  }

  private ChatClient chatClient(SpringAiTracing springAi) {
    // README: spring-ai-programmatic
    ChatModel model = springAi.chatModel(openAiChatModel(springAi.toolCallingManager(ToolCallingManager.builder().build())));
    ChatClient chat = ChatClient.builder(model).defaultAdvisors(springAi.advisor()).build();
    // END README
    return chat;
  }

  private String ask(ChatClient chat, String question) {
    return chat.prompt().user(question).tools(new TestApp.WeatherTools()).stream().content()
        .transform(tracing.span("request").flux())
        .contextWrite(TraceContext.userId("u-1"))
        .collect(Collectors.joining())
        .block(Duration.ofSeconds(30));
  }

  @Test
  void theWrappedModelAndManagerTraceAStreamWithItsTool() {
    String answer = ask(chatClient(SpringAiTracing.create(tracing)), "Oslo");
    assertThat(answer).isEqualTo("Answer: Oslo ({\"city\":\"Oslo\",\"celsius\":21})");
    List<Span> spans = spans();
    assertThat(spans).hasSize(4);
    Span request = spans.stream().filter(s -> s.getName().equals("request")).findFirst().orElseThrow();
    assertThat(spans).filteredOn(s -> s != request)
        .extracting(s -> OtlpJson.attributes(s).get("langfuse.observation.type"))
        .containsExactlyInAnyOrder("generation", "tool", "generation");
    assertThat(spans).filteredOn(s -> s != request)
        .allSatisfy(s -> assertThat(OtlpJson.parentSpanId(s)).isEqualTo(OtlpJson.spanId(request)))
        .allSatisfy(s -> assertThat(OtlpJson.attributes(s)).containsEntry("langfuse.user.id", "u-1"));
  }

  @Test
  void withoutContentOnlyModelsUsageAndTimingsAreRecorded() {
    // README: spring-ai-options
    SpringAiTracing springAi = SpringAiTracing.builder(tracing)
        .captureContent(false)                       // no prompts, completions, tool arguments or results
        .price("gpt-4o-mini-2024-07-18", 0.15, 0.60)  // USD per million input and output tokens
        .skipModels("omni-moderation-latest")
        .build();
    // END README
    ask(chatClient(springAi), "Lima");
    List<Span> spans = spans();
    assertThat(spans).hasSize(4).allSatisfy(s -> assertThat(OtlpJson.attributes(s))
        .doesNotContainKeys("langfuse.observation.input", "langfuse.observation.output"));
    assertThat(spans).filteredOn(s -> "generation".equals(OtlpJson.attributes(s).get("langfuse.observation.type")))
        .hasSize(2)
        .allSatisfy(s -> assertThat(OtlpJson.attributes(s)).containsKey("langfuse.observation.usage_details")
            .containsEntry("langfuse.observation.model.name", "fake-model" + FakeOpenAiServer.MODEL_SUFFIX));
    assertThat(receiver.requests().stream().map(OtlpReceiver.ReceivedRequest::bodyText).collect(Collectors.joining()))
        .doesNotContain("Lima");
  }

  /** A tool that fails. */
  static final class FailingTools {
    @org.springframework.ai.tool.annotation.Tool(description = "The current weather in a city")
    String weather(String city) {
      throw new IllegalStateException("no weather for " + city);
    }
  }

  @Test
  void aToolThatThrowsEndsItsSpanWithErrorAndTheModelGoesOn() {
    String answer = chatClient(SpringAiTracing.create(tracing)).prompt().user("Atlantis")
        .tools(new FailingTools()).stream().content()
        .transform(tracing.span("request").flux())
        .collect(Collectors.joining())
        .block(Duration.ofSeconds(30));
    assertThat(answer).startsWith("Answer: Atlantis (").contains("no weather for Atlantis");
    Span tool = spans().stream().filter(s -> s.getName().equals("weather")).findFirst().orElseThrow();
    assertThat(OtlpJson.attributes(tool)).containsEntry("langfuse.observation.level", "ERROR")
        .containsEntry("langfuse.observation.type", "tool");
    assertThat(String.valueOf(OtlpJson.attributes(tool).get("langfuse.observation.status_message")))
        .contains("no weather for Atlantis");
  }

  @Test
  void skippedModelsAreNotTracedAndTheirToolsNeither() {
    String answer = ask(chatClient(SpringAiTracing.builder(tracing).skipModels("fake-model").build()), "Rome");
    assertThat(answer).startsWith("Answer: Rome");
    assertThat(spans()).extracting(Span::getName).containsExactly("request");
  }

  @Test
  void invalidSettingsFailInBuildNamingTheSetting() {
    assertThatThrownBy(() -> SpringAiTracing.builder(tracing).price("m", -1, 1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("inputPerMillion");
    assertThatThrownBy(() -> SpringAiTracing.builder(tracing).skipModels(" ").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("skipModels");
    assertThatThrownBy(() -> SpringAiTracing.prompt("p", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theBeanPostProcessorProxiesModelsKeepingTheirClass() {
    new ApplicationContextRunner()
        .withBean(ReactorTracing.class, () -> tracing)
        .withPropertyValues("fake.base-url=" + openAi.baseUrl())
        .withUserConfiguration(PlainSpringConfig.class)
        .run(context -> {
          ChatModel model = context.getBean(ChatModel.class);
          assertThat(AopUtils.isAopProxy(model)).isTrue();
          if (!java.lang.reflect.Modifier.isFinal(OpenAiChatModel.class.getModifiers())) {
            // Spring AI 1.1: the proxy keeps the class. 2.0's OpenAiChatModel is final: proxied by interface.
            assertThat(context.getBean(OpenAiChatModel.class)).isSameAs(model);
          }
          assertThat(AopUtils.isAopProxy(context.getBean(ToolCallingManager.class))).isTrue();
          String answer = Flux.from(model.stream(new org.springframework.ai.chat.prompt.Prompt("Bern")))
              .map(r -> r.getResult() == null || r.getResult().getOutput().getText() == null
                  ? "" : r.getResult().getOutput().getText())
              .collect(Collectors.joining())
              .block(Duration.ofSeconds(30));
          assertThat(answer).isEqualTo("Answer: Bern");
          assertThat(spans()).singleElement()
              .satisfies(s -> assertThat(OtlpJson.attributes(s)).containsEntry("langfuse.observation.type", "generation"));
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class PlainSpringConfig {

    // README: spring-ai-bean
    @Bean
    static BeanPostProcessor springAiTracing(ReactorTracing tracing) {
      return SpringAiTracing.create(tracing).beanPostProcessor();
    }
    // END README

    @Bean
    ToolCallingManager toolCallingManager() {
      return ToolCallingManager.builder().build();
    }

    @Bean
    ChatModel openAiChatModel(ToolCallingManager manager, Environment environment) {
      return OpenAiClients.current().chatModel(environment.getRequiredProperty("fake.base-url"), manager);
    }
  }

  private List<Span> spans() {
    assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).isTrue();
    List<Span> spans = new ArrayList<>();
    for (OtlpReceiver.ReceivedRequest request : receiver.requests()) {
      spans.addAll(OtlpJson.spans(request.traces()));
    }
    return spans;
  }
}
