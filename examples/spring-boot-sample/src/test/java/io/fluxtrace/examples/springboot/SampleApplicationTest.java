package io.fluxtrace.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Starts the sample as its README section says (the starter and three properties, here pointing at a loopback
 * receiver that plays Langfuse) and asks it a question over SSE: the answer streams, and one trace arrives with
 * the chat, the retrieval, the tool and the streaming generation, the request's user, session and channel tag, and
 * a score of the trace.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "fluxtrace.public-key=pk-lf-sample", "fluxtrace.secret-key=sk-lf-sample"})
class SampleApplicationTest {

  private static final OtlpReceiver receiver = OtlpReceiver.start();

  @DynamicPropertySource
  static void langfuse(DynamicPropertyRegistry registry) {
    registry.add("fluxtrace.base-url", receiver::baseUrl);
  }

  @AfterAll
  static void stop() {
    receiver.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  FluxTracer tracer;

  @Test
  void answersOverSseAndDeliversOneWholeTraceWithAScore() {
    List<String> events = Objects.requireNonNull(WebClient.create("http://127.0.0.1:" + port).get()
        .uri("/chat?q=what does the starter do at shutdown")
        .accept(MediaType.TEXT_EVENT_STREAM)
        .header("x-user-id", "ada").header("x-session-id", "s-42").header("x-channel", "web")
        .retrieve()
        .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {})
        .map(event -> String.valueOf(event.data()))
        .collectList()
        .block(Duration.ofSeconds(30)));
    // One event per word (SSE drops the spaces that lead each chunk).
    assertThat(String.join(" ", events).replaceAll(" +", " ")).startsWith("At 12:00 UTC:").contains("graceful shutdown");

    assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).isTrue();
    List<Span> spans = receiver.requests().stream()
        .filter(r -> r.path().endsWith("/v1/traces"))
        .flatMap(r -> OtlpJson.spans(r.traces()).stream())
        .toList();
    assertThat(spans).extracting(Span::getName)
        .containsExactlyInAnyOrder("chat", "search-docs", "clock", "answer");
    assertThat(spans).extracting(OtlpJson::traceId).containsOnly(OtlpJson.traceId(spans.get(0)));
    for (Span span : spans) {
      Map<String, Object> attributes = OtlpJson.attributes(span);
      assertThat(attributes).containsEntry("langfuse.user.id", "ada").containsEntry("langfuse.session.id", "s-42");
      assertThat(String.valueOf(attributes.get("langfuse.trace.tags"))).contains("channel:web");
    }
    Span answer = spans.stream().filter(s -> s.getName().equals("answer")).findFirst().orElseThrow();
    assertThat(OtlpJson.attributes(answer)).containsEntry("langfuse.observation.type", "generation")
        .containsKey("langfuse.observation.usage_details");
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().stream()
        .anyMatch(r -> r.path().contains("ingestion") && r.bodyText().contains("helpfulness")));
  }
}
