package io.fluxtrace.examples.backend;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/** The demo's receiver over real HTTP: what it decodes, in protobuf and in JSON, and what it refuses. */
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

  private static final String JSON = "application/json";
  private static final String PROTOBUF = "application/x-protobuf";

  private final Queue<ReceivedSpan> received = new ConcurrentLinkedQueue<>();
  private final LocalOtlpReceiver receiver = LocalOtlpReceiver.start(received::addAll);

  @AfterEach
  void close() {
    receiver.close();
  }

  /** The same span as {@link #EXPORT}, built with the official OTLP definitions, with a parent. */
  private static final byte[] PROTOBUF_EXPORT = ExportTraceServiceRequest.newBuilder()
      .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.newBuilder().addSpans(
          io.opentelemetry.proto.trace.v1.Span.newBuilder()
              .setTraceId(id("4bf92f3577b34da6a3ce929d0e0e4736"))
              .setSpanId(id("00f067aa0ba902b7"))
              .setParentSpanId(id("53995c3f42cd8ad8"))
              .setName("chat")
              .setStartTimeUnixNano(1_000_000)
              .setEndTimeUnixNano(4_000_000)
              .addAttributes(attribute("langfuse.observation.type", AnyValue.newBuilder().setStringValue("chain")))
              .addAttributes(attribute("langfuse.observation.prompt.version", AnyValue.newBuilder().setIntValue(3)))
              .addAttributes(attribute("langfuse.trace.public", AnyValue.newBuilder().setBoolValue(true)))
              .addAttributes(attribute("score", AnyValue.newBuilder().setDoubleValue(0.5)))
              .addAttributes(attribute("langfuse.trace.tags", AnyValue.newBuilder().setArrayValue(
                  ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("beta"))))))))
      .build().toByteArray();

  @Test
  void decodesAGzippedExportAndAnswersOk() throws IOException {
    assertThat(post(gzip(EXPORT.getBytes(StandardCharsets.UTF_8)), JSON, "gzip")).isEqualTo(200);

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

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void decodesAProtobufExportGzippedOrNot(boolean gzip) throws IOException {
    byte[] body = gzip ? gzip(PROTOBUF_EXPORT) : PROTOBUF_EXPORT;
    assertThat(post(body, PROTOBUF, gzip ? "gzip" : null)).isEqualTo(200);

    assertThat(received).singleElement().satisfies(span -> {
      assertThat(span.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(span.spanId()).isEqualTo("00f067aa0ba902b7");
      assertThat(span.parentSpanId()).isEqualTo("53995c3f42cd8ad8");
      assertThat(span.name()).isEqualTo("chat");
      assertThat(span.type()).isEqualTo("chain");
      assertThat(span.durationMillis()).isEqualTo(3);
      assertThat(span.attributes()).containsEntry("langfuse.observation.prompt.version", 3L)
          .containsEntry("langfuse.trace.public", true)
          .containsEntry("score", 0.5)
          .containsEntry("langfuse.trace.tags", List.of("beta"));
    });
  }

  @Test
  void refusesWhatIsNotAnOtlpExport() {
    assertThat(post("{\"spans\":[]}".getBytes(StandardCharsets.UTF_8), JSON, null)).isEqualTo(400);
    assertThat(post("not json".getBytes(StandardCharsets.UTF_8), JSON, null)).isEqualTo(400);
    assertThat(post("not gzip".getBytes(StandardCharsets.UTF_8), JSON, "gzip")).isEqualTo(400);
    assertThat(post(new byte[] {(byte) 0xff, 0x01}, PROTOBUF, null)).as("not protobuf").isEqualTo(400);
    // A span without ids is valid protobuf but no span Langfuse would take.
    byte[] noIds = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(io.opentelemetry.proto.trace.v1.Span.newBuilder()
            .setName("no ids")))).build().toByteArray();
    assertThat(post(noIds, PROTOBUF, null)).as("a span without ids").isEqualTo(400);
    assertThat(received).isEmpty();
  }

  private static ByteString id(String hex) {
    return ByteString.copyFrom(HexFormat.of().parseHex(hex));
  }

  private static KeyValue attribute(String key, AnyValue.Builder value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private int post(byte[] body, String contentType, @Nullable String encoding) {
    Integer status = HttpClient.create()
        .headers(h -> {
          h.set("Content-Type", contentType);
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

  private static byte[] gzip(byte[] body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(body);
    }
    return bytes.toByteArray();
  }
}
