package io.fluxtrace;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static io.fluxtrace.testing.OtlpJson.spans;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.testing.OtlpReceiver;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OTLP/HTTP protobuf end to end: the setting and its environment variables, the header, and the parsed request. */
class ProtobufExportTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void spansTravelAsProtobufWhenAskedAndTheReceiverParsesThemWithTheOfficialDefinitions() {
    for (boolean gzip : new boolean[] {true, false}) {
      try (OtlpReceiver receiver = OtlpReceiver.start();
          FluxTracer tracer = FluxTracer.builder(Map.of())
              .publicKey("pk-lf-test")
              .secretKey("sk-lf-test")
              .baseUrl(receiver.baseUrl())
              .otlpProtocol("http/protobuf")
              .gzip(gzip)
              .shutdownHook(false)
              .build()) {
        Span generation = tracer.startSpan("chat", ObservationType.GENERATION, null,
            TraceAttributes.builder().userId("user-1").tags("a", "b").build());
        generation.model("gpt-4o-mini").input("hello \uD83D\uDE00 \u4f60\u597d").output(Map.of("text", "hi"))
            .usage("input", 3).end();

        assertThat(tracer.flushBlocking(WAIT).isClean()).isTrue();

        ReceivedRequest request = receiver.awaitRequest();
        assertThat(request.header("Content-Type")).isEqualTo("application/x-protobuf");
        assertThat(request.header("x-langfuse-ingestion-version")).isEqualTo("4");
        List<io.opentelemetry.proto.trace.v1.Span> otlp = spans(request.traces());
        assertThat(otlp).hasSize(1);
        assertThat(otlp.get(0).getName()).isEqualTo("chat");
        assertThat(otlp.get(0).getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
        assertThat(attributes(otlp.get(0)))
            .containsEntry("langfuse.observation.type", "generation")
            .containsEntry("langfuse.observation.model.name", "gpt-4o-mini")
            .containsEntry("langfuse.observation.input", "\"hello \uD83D\uDE00 \u4f60\u597d\"")
            .containsEntry("langfuse.observation.output", "{\"text\":\"hi\"}")
            .containsEntry("langfuse.user.id", "user-1")
            .containsEntry("langfuse.trace.tags", List.of("a", "b"));
      }
    }
  }

  @Test
  void theProtocolComesFromTheSetterThenTheTracesVariableThenTheGeneralOneAndDefaultsToJson() {
    assertThat(TestConfigs.config().wire().protobuf()).isFalse();
    assertThat(config(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")).wire().protobuf()).isTrue();
    assertThat(config(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")).wire().protobuf()).isFalse();
    assertThat(TestConfigs.config(TestConfigs.builder().otlpProtocol(" HTTP/Protobuf ")).wire().contentType())
        .isEqualTo("application/x-protobuf");
    assertThatThrownBy(() -> config(Map.of("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .hasMessageContaining("http/protobuf or http/json")
        .hasMessageContaining("grpc");
  }

  private static io.fluxtrace.internal.config.TracerConfig config(Map<String, String> environment) {
    return FluxTracer.builder(environment).publicKey("pk-lf-test").secretKey("sk-lf-test").shutdownHook(false)
        .toConfig();
  }
}
