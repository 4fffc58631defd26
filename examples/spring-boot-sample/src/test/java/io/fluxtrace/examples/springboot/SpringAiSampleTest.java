package io.fluxtrace.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.springai.testing.FakeOpenAiServer;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The sample's Spring AI endpoint against the fake OpenAI-compatible server, traced by the starter with no code:
 * one trace per request, its first generation (which asked for the tool) the root, the tool and the second
 * generation under it, each with the request's user and session; usage as the fake sent it, a completion start no
 * earlier than the fake's first chunk.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "fluxtrace.public-key=pk-lf-sample", "fluxtrace.secret-key=sk-lf-sample"})
class SpringAiSampleTest {

  private static final Duration FIRST_CHUNK = Duration.ofMillis(200);
  private static final FakeOpenAiServer openAi = FakeOpenAiServer.start(FIRST_CHUNK, Duration.ofMillis(10));
  private static final OtlpReceiver receiver = OtlpReceiver.start();
  private static final ObjectMapper JSON = new ObjectMapper();

  @DynamicPropertySource
  static void endpoints(DynamicPropertyRegistry registry) {
    registry.add("fluxtrace.base-url", receiver::baseUrl);
    registry.add("spring.ai.openai.base-url", openAi::baseUrl);
  }

  @AfterAll
  static void stop() {
    receiver.close();
    openAi.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  FluxTracer tracer;

  @Test
  void theSpringAiEndpointStreamsAndIsOneTraceWithTwoGenerationsAndTheTool() throws Exception {
    String answer = WebClient.create("http://127.0.0.1:" + port).get()
        .uri("/ai/chat?q=Oslo")
        .accept(MediaType.TEXT_EVENT_STREAM)
        .header("x-user-id", "ada").header("x-session-id", "s-7")
        .retrieve()
        .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
        .map(event -> String.valueOf(event.data()))
        .collect(Collectors.joining())
        .block(Duration.ofSeconds(30));
    assertThat(answer).isEqualTo("Answer: Oslo ({\"city\":\"Oslo\",\"celsius\":21})");

    assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).isTrue();
    List<Span> spans = receiver.requests().stream()
        .filter(r -> r.path().endsWith("/v1/traces"))
        .flatMap(r -> OtlpJson.spans(r.traces()).stream())
        .toList();
    assertThat(spans).hasSize(3);
    assertThat(spans).extracting(OtlpJson::traceId).containsOnly(OtlpJson.traceId(spans.get(0)));
    List<Span> generations = spans.stream().filter(s -> type(s).equals("generation"))
        .sorted(Comparator.comparingLong(Span::getStartTimeUnixNano)).toList();
    Span tool = spans.stream().filter(s -> type(s).equals("tool")).findFirst().orElseThrow();
    assertThat(generations).hasSize(2);
    Span first = generations.get(0);
    assertThat(OtlpJson.parentSpanId(first)).isNullOrEmpty();
    assertThat(OtlpJson.parentSpanId(tool)).isEqualTo(OtlpJson.spanId(first));
    assertThat(OtlpJson.parentSpanId(generations.get(1))).isEqualTo(OtlpJson.spanId(first));
    for (Span span : spans) {
      assertThat(OtlpJson.attributes(span)).containsEntry("langfuse.user.id", "ada")
          .containsEntry("langfuse.session.id", "s-7");
    }
    Map<String, Object> second = OtlpJson.attributes(generations.get(1));
    assertThat(JSON.readTree((String) second.get("langfuse.observation.usage_details")))
        .isEqualTo(JSON.createObjectNode().put("input", FakeOpenAiServer.TEXT_USAGE[0])
            .put("output", FakeOpenAiServer.TEXT_USAGE[1]).put("total", FakeOpenAiServer.TEXT_USAGE[2]));
    assertThat(second).containsEntry("langfuse.observation.model.name", "gpt-4o-mini" + FakeOpenAiServer.MODEL_SUFFIX);
    Instant completionStart = Instant.parse((String) second.get("langfuse.observation.completion_start_time"));
    assertThat(Duration.between(Instant.ofEpochSecond(0, generations.get(1).getStartTimeUnixNano()), completionStart))
        .isGreaterThanOrEqualTo(FIRST_CHUNK);
    JsonNode toolInput = JSON.readTree((String) OtlpJson.attributes(tool).get("langfuse.observation.input"));
    assertThat(toolInput.path("city").asText()).isEqualTo("Oslo");
    JsonNode toolOutput = JSON.readTree((String) OtlpJson.attributes(tool).get("langfuse.observation.output"));
    assertThat(toolOutput.path("celsius").asInt()).isEqualTo(21);
  }

  private static String type(Span span) {
    return String.valueOf(OtlpJson.attributes(span).get("langfuse.observation.type"));
  }
}
