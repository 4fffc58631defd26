package io.fluxtrace;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static io.fluxtrace.testing.OtlpJson.parentSpanId;
import static io.fluxtrace.testing.OtlpJson.resourceAttributes;
import static io.fluxtrace.testing.OtlpJson.spanId;
import static io.fluxtrace.testing.OtlpJson.spans;
import static io.fluxtrace.testing.OtlpJson.traceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.testing.OtlpReceiver;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The wire format end to end: protobuf by default, JSON when asked; the setting and its environment variables, the
 * header, and the request as the official definitions parse it.
 */
class ProtobufExportTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Both wire formats carry the same span, field by field, as the official definitions parse it. */
  @ParameterizedTest(name = "{0}, gzip {2}")
  @CsvSource({
      "default, application/x-protobuf, true", "default, application/x-protobuf, false",
      "http/protobuf, application/x-protobuf, true", "http/json, application/json, true",
      "http/json, application/json, false"})
  void spansTravelInTheConfiguredFormatAndTheReceiverParsesThemWithTheOfficialDefinitions(String protocol,
      String contentType, boolean gzip) {
    FluxTracerBuilder builder = FluxTracer.builder(Map.of())
        .publicKey("pk-lf-test")
        .secretKey("sk-lf-test")
        .gzip(gzip)
        .shutdownHook(false);
    if (!protocol.equals("default")) {
      builder.otlpProtocol(protocol);
    }
    try (OtlpReceiver receiver = OtlpReceiver.start();
        FluxTracer tracer = builder.baseUrl(receiver.baseUrl()).build()) {
      Span root = tracer.startSpan("handler", ObservationType.SPAN, null, TraceAttributes.EMPTY);
      Span generation = tracer.startSpan("chat", ObservationType.GENERATION, root.context(),
          TraceAttributes.builder().userId("user-1").tags("a", "b").build());
      generation.model("gpt-4o-mini").input("hello \uD83D\uDE00 \u4f60\u597d").output(Map.of("text", "hi"))
          .usage("input", 3).end();
      root.end();

      assertThat(tracer.flushBlocking(WAIT).isClean()).isTrue();

      // Both spans, whether one batch carried them or the batch timer cut between the two ends.
      Map<String, io.opentelemetry.proto.trace.v1.Span> byName = new HashMap<>();
      for (ReceivedRequest request : receiver.requests()) {
        assertThat(request.header("Content-Type")).isEqualTo(contentType);
        assertThat(request.header("Content-Encoding")).isEqualTo(gzip ? "gzip" : null);
        assertThat(request.header("x-langfuse-ingestion-version")).isEqualTo("4");
        ExportTraceServiceRequest export = request.traces();
        assertThat(resourceAttributes(export)).containsEntry("telemetry.sdk.language", "java");
        assertThat(export.getResourceSpans(0).getScopeSpans(0).getScope().getName())
            .isEqualTo(io.fluxtrace.internal.export.LangfuseAttributes.SCOPE_NAME);
        spans(export).forEach(span -> byName.put(span.getName(), span));
      }
      assertThat(byName).containsOnlyKeys("chat", "handler");
      io.opentelemetry.proto.trace.v1.Span chat = java.util.Objects.requireNonNull(byName.get("chat"));
      io.opentelemetry.proto.trace.v1.Span handler = java.util.Objects.requireNonNull(byName.get("handler"));
      assertThat(traceId(chat)).isEqualTo(root.context().traceId()).isEqualTo(traceId(handler));
      assertThat(spanId(chat)).isEqualTo(generation.context().spanId());
      assertThat(parentSpanId(chat)).isEqualTo(spanId(handler)).isEqualTo(root.context().spanId());
      assertThat(parentSpanId(handler)).isNull();
      assertThat(chat.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(chat.getStartTimeUnixNano()).isPositive().isLessThanOrEqualTo(chat.getEndTimeUnixNano());
      assertThat(handler.getEndTimeUnixNano()).isGreaterThanOrEqualTo(chat.getEndTimeUnixNano());
      assertThat(attributes(chat))
          .containsEntry("langfuse.observation.type", "generation")
          .containsEntry("langfuse.observation.model.name", "gpt-4o-mini")
          .containsEntry("langfuse.observation.input", "\"hello \uD83D\uDE00 \u4f60\u597d\"")
          .containsEntry("langfuse.observation.output", "{\"text\":\"hi\"}")
          .containsEntry("langfuse.user.id", "user-1")
          .containsEntry("langfuse.trace.tags", List.of("a", "b"));
      assertThat(handler.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_INTERNAL);
      assertThat(attributes(handler)).containsEntry("langfuse.observation.type", "span");
    }
  }

  @Test
  void theProtocolComesFromTheSetterThenTheTracesVariableThenTheGeneralOneAndDefaultsToProtobuf() {
    assertThat(TestConfigs.config().wire().protobuf()).isTrue();
    assertThat(TestConfigs.config().wire().contentType()).isEqualTo("application/x-protobuf");
    assertThat(config(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")).wire().protobuf()).isFalse();
    assertThat(config(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")).wire().protobuf()).isTrue();
    assertThat(config(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")).wire().protobuf()).isFalse();
    assertThat(FluxTracer.builder(Map.of("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json")).publicKey("pk-lf-test")
        .secretKey("sk-lf-test").shutdownHook(false).otlpProtocol("http/protobuf").toConfig().wire().protobuf())
        .isTrue();
    assertThat(TestConfigs.config(TestConfigs.builder().otlpProtocol(" HTTP/Json ")).wire().contentType())
        .isEqualTo("application/json");
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
