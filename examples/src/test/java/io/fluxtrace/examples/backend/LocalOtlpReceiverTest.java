package io.fluxtrace.examples.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/** The demo's receiver over real HTTP: what it decodes, and what it refuses. */
class LocalOtlpReceiverTest {

  private static final String EXPORT = """
      {"resourceSpans":[{"scopeSpans":[{"spans":[{
        "traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"chat",
        "startTimeUnixNano":"1000000","endTimeUnixNano":"4000000",
        "attributes":[
          {"key":"langfuse.observation.type","value":{"stringValue":"chain"}},
          {"key":"langfuse.observation.prompt.version","value":{"intValue":"3"}},
          {"key":"langfuse.trace.public","value":{"boolValue":true}},
          {"key":"score","value":{"doubleValue":0.5}},
          {"key":"langfuse.trace.tags","value":{"arrayValue":{"values":[{"stringValue":"beta"}]}}}]}]}]}]}
      """;

  private final Queue<ReceivedSpan> received = new ConcurrentLinkedQueue<>();
  private final LocalOtlpReceiver receiver = LocalOtlpReceiver.start(received::addAll);

  @AfterEach
  void close() {
    receiver.close();
  }

  @Test
  void decodesAGzippedExportAndAnswersOk() throws IOException {
    assertThat(post(gzip(EXPORT), "gzip")).isEqualTo(200);

    assertThat(received).singleElement().satisfies(span -> {
      assertThat(span.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(span.parentSpanId()).isNull();
      assertThat(span.type()).isEqualTo("chain");
      assertThat(span.level()).isEqualTo("DEFAULT");
      assertThat(span.durationMillis()).isEqualTo(3);
      assertThat(span.attributes()).containsEntry("langfuse.observation.prompt.version", 3L)
          .containsEntry("langfuse.trace.public", true)
          .containsEntry("score", 0.5)
          .containsEntry("langfuse.trace.tags", List.of("beta"));
    });
  }

  @Test
  void refusesWhatIsNotOtlpJson() {
    assertThat(post("{\"spans\":[]}".getBytes(StandardCharsets.UTF_8), null)).isEqualTo(400);
    assertThat(post("not json".getBytes(StandardCharsets.UTF_8), null)).isEqualTo(400);
    assertThat(post("not gzip".getBytes(StandardCharsets.UTF_8), "gzip")).isEqualTo(400);
    assertThat(received).isEmpty();
  }

  private int post(byte[] body, @Nullable String encoding) {
    Integer status = HttpClient.create()
        .headers(h -> {
          h.set("Content-Type", "application/json");
          if (encoding != null) {
            h.set("Content-Encoding", encoding);
          }
        })
        .post()
        .uri(receiver.tracesUrl())
        .send(ByteBufFlux.fromInbound(Mono.just(body)))
        .responseSingle((response, content) -> Mono.just(response.status().code()))
        .block(Duration.ofSeconds(30));
    return status == null ? -1 : status;
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }
}
