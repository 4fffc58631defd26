package io.fluxtrace.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.springai.testing.FakeOpenAiServer;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;

/**
 * The real Spring AI OpenAI client in a real Spring Boot WebFlux app, against a fake OpenAI-compatible server on
 * loopback; every exported payload is parsed strictly ({@link OtlpJson}).
 */
@SpringBootTest(
    classes = TestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "spring.ai.openai.api-key=sk-fake",
        "spring.ai.openai.chat.options.model=fake-model",
        "spring.ai.openai.chat.options.temperature=0.2",
        "spring.ai.openai.chat.options.stream-usage=true",
        "spring.ai.retry.max-attempts=1",
        "fluxtrace.spring-ai.prices.fake-model-2026-01-01.input=1.0",
        "fluxtrace.spring-ai.prices.fake-model-2026-01-01.output=4.0"
    })
class SpringAiStreamingTest {

  private static final Duration FIRST_CHUNK = Duration.ofMillis(400);
  private static final Duration CHUNK_INTERVAL = Duration.ofMillis(20);
  private static final FakeOpenAiServer OPENAI = FakeOpenAiServer.start(FIRST_CHUNK, CHUNK_INTERVAL);
  private static final OtlpReceiver RECEIVER = OtlpReceiver.start();
  private static final ObjectMapper JSON = new ObjectMapper();

  @DynamicPropertySource
  static void endpoints(DynamicPropertyRegistry registry) {
    registry.add("spring.ai.openai.base-url", OPENAI::baseUrl);
    registry.add("test.otlp.base-url", RECEIVER::baseUrl);
  }

  @AfterAll
  static void stop() {
    OPENAI.close();
    RECEIVER.close();
  }

  @LocalServerPort int port;
  @Autowired FluxTracer tracer;
  @Autowired ChatClient chatClient;

  @BeforeEach
  void clean() {
    flush();
    RECEIVER.reset();
  }

  @Test
  void concurrentStreamingRequestsEachGetTheirOwnGenerationsAndTools() throws Exception {
    int n = 300;
    WebClient client = WebClient.create("http://127.0.0.1:" + port);
    Map<Integer, String> answers = Flux.range(0, n)
        .flatMap(i -> client.get()
            .uri(u -> u.path("/chat").queryParam("q", "city-" + i).queryParam("user", "user-" + i)
                .queryParam("session", "session-" + i).build())
            .retrieve()
            .bodyToFlux(String.class)
            .collect(Collectors.joining())
            .map(answer -> Map.entry(i, answer)), n)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .block(Duration.ofMinutes(2));
    assertThat(answers).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(answers.get(i)).isEqualTo("Answer: city-" + i + " ({\"city\":\"city-" + i + "\",\"celsius\":21})");
    }

    Map<String, List<Span>> traces = spans().stream().collect(Collectors.groupingBy(OtlpJson::traceId));
    assertThat(traces).hasSize(n);
    for (Collection<Span> trace : traces.values()) {
      Span request = only(trace, "request");
      Map<String, Object> root = OtlpJson.attributes(request);
      String user = String.valueOf(root.get("langfuse.user.id"));
      String i = user.substring("user-".length());
      assertThat(root).containsEntry("langfuse.session.id", "session-" + i);
      assertThat(trace).as("trace of request %s", i).hasSize(4)
          .allSatisfy(s -> assertThat(OtlpJson.attributes(s))
              .containsEntry("langfuse.user.id", "user-" + i)
              .containsEntry("langfuse.session.id", "session-" + i));
      List<Span> generations = trace.stream().filter(s -> type(s).equals("generation"))
          .sorted((a, b) -> Long.compare(a.getStartTimeUnixNano(), b.getStartTimeUnixNano())).toList();
      assertThat(generations).hasSize(2);
      Span tool = only(trace, "weather");
      for (Span child : List.of(generations.get(0), tool, generations.get(1))) {
        assertThat(OtlpJson.parentSpanId(child)).as("parent of %s", child.getName()).isEqualTo(OtlpJson.spanId(request));
      }
      // The first model call asked for the tool; the tool ran after it; the second call answered.
      Map<String, Object> first = OtlpJson.attributes(generations.get(0));
      Map<String, Object> second = OtlpJson.attributes(generations.get(1));
      assertThat(tool.getStartTimeUnixNano()).isGreaterThanOrEqualTo(generations.get(0).getEndTimeUnixNano());
      assertThat(generations.get(1).getStartTimeUnixNano()).isGreaterThanOrEqualTo(tool.getEndTimeUnixNano());
      assertThat(json(first, "langfuse.observation.usage_details"))
          .isEqualTo(usage(FakeOpenAiServer.TOOL_CALL_USAGE));
      assertThat(json(second, "langfuse.observation.usage_details")).isEqualTo(usage(FakeOpenAiServer.TEXT_USAGE));
      assertThat(second).containsEntry("langfuse.observation.model.name", "fake-model" + FakeOpenAiServer.MODEL_SUFFIX);
      assertThat(json(second, "langfuse.observation.model.parameters").path("temperature").asDouble()).isEqualTo(0.2);
      assertThat(json(second, "langfuse.observation.cost_details").path("total").asDouble())
          .isCloseTo((200 * 1.0 + 30 * 4.0) / 1e6, org.assertj.core.data.Offset.offset(1e-12));
      JsonNode call = json(first, "langfuse.observation.output").path("tool_calls").path(0).path("function");
      assertThat(call.path("name").asText()).isEqualTo("weather");
      assertThat(JSON.readTree(call.path("arguments").asText()).path("city").asText()).isEqualTo("city-" + i);
      JsonNode input = json(first, "langfuse.observation.input");
      assertThat(input.path(0).path("role").asText()).isEqualTo("system");
      assertThat(input.path(1).path("content").asText()).isEqualTo("city-" + i);
      assertThat(json(second, "langfuse.observation.input").findValuesAsText("role")).contains("tool");
      assertThat(json(second, "langfuse.observation.output").path("content").asText())
          .isEqualTo(answers.get(Integer.parseInt(i)));
      assertThat(json(OtlpJson.attributes(tool), "langfuse.observation.input").path("city").asText())
          .isEqualTo("city-" + i);
      assertThat(json(OtlpJson.attributes(tool), "langfuse.observation.output").path("celsius").asInt()).isEqualTo(21);
      // Time to first token: never before the fake's first chunk, never after the generation ended. Under 300
      // concurrent streams on two cores the rest is CPU queueing; timeToFirstTokenIsTheFirstChunkDelay measures it.
      Instant completionStart = Instant.parse((String) second.get("langfuse.observation.completion_start_time"));
      assertThat(Duration.between(nanos(generations.get(1).getStartTimeUnixNano()), completionStart))
          .isGreaterThanOrEqualTo(FIRST_CHUNK);
      assertThat(completionStart).isBeforeOrEqualTo(nanos(generations.get(1).getEndTimeUnixNano()));
    }
    assertThat(tracer.stats().spansEnded()).isEqualTo(tracer.stats().spansStarted());
  }

  @Test
  void timeToFirstTokenIsTheFirstChunkDelay() {
    WebClient client = WebClient.create("http://127.0.0.1:" + port);
    // One request first: the first stream of a JVM loads classes for a second or two, which is not what is measured.
    client.get().uri(u -> u.path("/plain").queryParam("q", "warm-up").queryParam("user", "timer").build())
        .retrieve().bodyToFlux(String.class).blockLast(Duration.ofSeconds(30));
    flush();
    RECEIVER.reset();
    for (int i = 0; i < 5; i++) {
      String answer = client.get()
          .uri(u -> u.path("/plain").queryParam("q", "ttft").queryParam("user", "timer").build())
          .retrieve()
          .bodyToFlux(String.class)
          .collect(Collectors.joining())
          .block(Duration.ofSeconds(30));
      assertThat(answer).isEqualTo("Answer: ttft");
    }
    List<Span> generations = spans().stream().filter(s -> type(s).equals("generation")).toList();
    assertThat(generations).hasSize(5).allSatisfy(g -> {
      Instant completionStart = Instant.parse(
          (String) OtlpJson.attributes(g).get("langfuse.observation.completion_start_time"));
      // Spring AI holds each chunk until the next arrives, so the first token reaches the app one interval late.
      assertThat(Duration.between(nanos(g.getStartTimeUnixNano()), completionStart))
          .isBetween(FIRST_CHUNK, FIRST_CHUNK.plus(CHUNK_INTERVAL).plusSeconds(1));
    });
  }

  @Test
  void blockingCallWithToolsIsOneTraceWithTwoGenerations() {
    String answer = chatClient.prompt().user("Paris").tools(new TestApp.WeatherTools()).call().content();
    assertThat(answer).isEqualTo("Answer: Paris ({\"city\":\"Paris\",\"celsius\":21})");
    List<Span> spans = spans();
    assertThat(spans).hasSize(3);
    assertThat(spans.stream().map(OtlpJson::traceId).distinct()).hasSize(1);
    Span first = spans.stream().filter(s -> isRoot(s)).findFirst().orElseThrow();
    assertThat(type(first)).isEqualTo("generation");
    assertThat(spans).filteredOn(s -> s != first)
        .allSatisfy(s -> assertThat(OtlpJson.parentSpanId(s)).isEqualTo(OtlpJson.spanId(first)));
    Span tool = only(spans, "weather");
    assertThat(type(tool)).isEqualTo("tool");
    assertThat(json(OtlpJson.attributes(first), "langfuse.observation.usage_details"))
        .isEqualTo(usage(FakeOpenAiServer.TOOL_CALL_USAGE));
    Span second = spans.stream().filter(s -> s != first && s != tool).findFirst().orElseThrow();
    assertThat(json(OtlpJson.attributes(second), "langfuse.observation.usage_details"))
        .isEqualTo(usage(FakeOpenAiServer.TEXT_USAGE));
    assertThat(json(OtlpJson.attributes(second), "langfuse.observation.output").path("content").asText())
        .isEqualTo(answer);
  }

  @Test
  void providerErrorsEndTheGenerationWithTheProviderMessage() {
    assertThatThrownBy(() -> chatClient.prompt().user("fail:429").stream().content().blockLast(Duration.ofSeconds(30)))
        .isNotNull();
    assertThatThrownBy(() -> chatClient.prompt().user("fail:500").call().content()).isNotNull();
    assertThatThrownBy(() -> chatClient.prompt().user("fail:cut").stream().content().blockLast(Duration.ofSeconds(30)))
        .isNotNull();
    List<Span> spans = spans();
    assertThat(spans).hasSize(3).allSatisfy(s -> {
      assertThat(type(s)).isEqualTo("generation");
      assertThat(OtlpJson.attributes(s)).containsEntry("langfuse.observation.level", "ERROR");
    });
    List<String> messages = new ArrayList<>();
    spans.forEach(s -> messages.add((String) OtlpJson.attributes(s).get("langfuse.observation.status_message")));
    assertThat(messages).anySatisfy(m -> assertThat(m).contains("Rate limit reached for fake-model"))
        .anySatisfy(m -> assertThat(m).contains("The server had an error processing your request"))
        .hasSize(3);
    // Spring AI 1.1's WebClient and 2.0's OpenAI SDK say it in their own words.
    assertThat(messages).anySatisfy(m -> assertThat(m).containsAnyOf("Connection prematurely closed", "Stream failed"));
  }

  @Test
  void aClientThatCancelsMidStreamEndsTheGenerationWithWarningAndLeaksNothing() {
    WebClient client = WebClient.create("http://127.0.0.1:" + port);
    List<String> first = client.get()
        .uri(u -> u.path("/plain").queryParam("q", "a long answer").queryParam("user", "quitter").build())
        .retrieve()
        .bodyToFlux(String.class)
        .take(1)
        .collectList()
        .block(Duration.ofSeconds(30));
    assertThat(first).hasSize(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> tracer.stats().spansEnded() == tracer.stats().spansStarted());
    await().atMost(Duration.ofSeconds(30)).until(() -> OPENAI.openStreams() == 0);
    List<Span> spans = spans();
    Span generation = spans.stream().filter(s -> type(s).equals("generation")).findFirst().orElseThrow();
    Map<String, Object> attributes = OtlpJson.attributes(generation);
    assertThat(attributes).containsEntry("langfuse.observation.level", "WARNING")
        .containsEntry("langfuse.observation.prompt.name", "weather-answer")
        .containsEntry("langfuse.user.id", "quitter");
    assertThat(attributes.get("langfuse.observation.prompt.version")).isIn(3L, 3, "3");
    assertThat((String) attributes.get("langfuse.observation.status_message")).containsIgnoringCase("cancel");
  }

  @Test
  void aCancelAfterAToolRoundKeepsTheFirstGenerationsUsageAndEndsTheSecondWithWarning() {
    WebClient client = WebClient.create("http://127.0.0.1:" + port);
    List<String> first = client.get()
        .uri(u -> u.path("/chat").queryParam("q", FakeOpenAiServer.SLOW + " with a tool")
            .queryParam("user", "impatient").queryParam("session", "s-cancel").build())
        .retrieve()
        .bodyToFlux(String.class)
        .take(1)
        .collectList()
        .block(Duration.ofSeconds(60));
    assertThat(first).hasSize(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> tracer.stats().spansEnded() == tracer.stats().spansStarted());
    await().atMost(Duration.ofSeconds(30)).until(() -> OPENAI.openStreams() == 0);
    List<Span> spans = spans();
    assertThat(spans.stream().map(OtlpJson::traceId).distinct()).hasSize(1);
    List<Span> generations = spans.stream().filter(s -> type(s).equals("generation"))
        .sorted((a, b) -> Long.compare(a.getStartTimeUnixNano(), b.getStartTimeUnixNano())).toList();
    assertThat(generations).hasSize(2);
    assertThat(only(spans, "weather")).satisfies(tool -> assertThat(OtlpJson.attributes(tool))
        .containsEntry("langfuse.observation.level", "DEFAULT"));
    Map<String, Object> asked = OtlpJson.attributes(generations.get(0));
    assertThat(asked).containsEntry("langfuse.observation.level", "DEFAULT");
    assertThat(json(asked, "langfuse.observation.usage_details")).isEqualTo(usage(FakeOpenAiServer.TOOL_CALL_USAGE));
    // The answer was cancelled before its usage (the fake's last chunk) arrived: WARNING, and no usage invented.
    Map<String, Object> answered = OtlpJson.attributes(generations.get(1));
    assertThat(answered).containsEntry("langfuse.observation.level", "WARNING")
        .doesNotContainKey("langfuse.observation.usage_details");
    assertThat(json(answered, "langfuse.observation.output").path("content").asText()).startsWith("Answer");
  }

  private static void flushTracer(FluxTracer tracer) {
    FlushResult result = tracer.flushBlocking(Duration.ofSeconds(60));
    assertThat(result.completed()).as("flush completed").isTrue();
  }

  private void flush() {
    flushTracer(tracer);
  }

  private List<Span> spans() {
    flush();
    List<Span> spans = new ArrayList<>();
    for (OtlpReceiver.ReceivedRequest request : RECEIVER.requests()) {
      spans.addAll(OtlpJson.spans(request.traces()));
    }
    return spans;
  }

  private static Span only(Collection<Span> spans, String name) {
    List<Span> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named).as("spans named %s", name).hasSize(1);
    return named.get(0);
  }

  private static String type(Span span) {
    return String.valueOf(OtlpJson.attributes(span).get("langfuse.observation.type"));
  }

  private static JsonNode json(Map<String, Object> attributes, String key) {
    try {
      return JSON.readTree((String) attributes.get(key));
    } catch (Exception e) {
      throw new AssertionError(key + " is not JSON: " + attributes.get(key), e);
    }
  }

  private static JsonNode usage(int[] used) {
    return JSON.createObjectNode().put("input", used[0]).put("output", used[1]).put("total", used[2]);
  }

  private static boolean isRoot(Span span) {
    String parent = OtlpJson.parentSpanId(span);
    return parent == null || parent.isEmpty();
  }

  private static Instant nanos(long epochNanos) {
    return Instant.ofEpochSecond(0, epochNanos);
  }
}
