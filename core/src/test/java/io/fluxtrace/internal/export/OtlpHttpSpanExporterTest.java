package io.fluxtrace.internal.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FailureReason;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanData;
import io.fluxtrace.TestConfigs;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.Exporters;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.transport.OtlpHttpSender;
import io.fluxtrace.internal.transport.RetryPolicy;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The exporter end to end: real encoder, real sender, loopback receiver. */
class OtlpHttpSpanExporterTest {

  private OtlpReceiver receiver;
  private final TracerMetrics metrics = new TracerMetrics();
  private final Scheduler exportScheduler = Schedulers.newSingle("test-export");
  private final List<SpanExporter> exporters = new ArrayList<>();

  @BeforeEach
  void startReceiver() {
    receiver = OtlpReceiver.start();
  }

  @AfterEach
  void stop() {
    exporters.forEach(e -> e.shutdown().block(Duration.ofSeconds(5)));
    receiver.close();
    exportScheduler.dispose();
  }

  /** The default configuration: spans travel as protobuf. */
  private TracerConfig config() {
    return config("http/protobuf");
  }

  private TracerConfig config(String protocol) {
    return TestConfigs.config(FluxTracer.builder(Map.of())
        .publicKey("pk-lf-0123456789abcdef")
        .secretKey("sk-lf-fedcba9876543210")
        .baseUrl(receiver.baseUrl())
        .otlpProtocol(protocol)
        .shutdownHook(false)
        .exportScheduler(exportScheduler));
  }

  private OtlpHttpSpanExporter exporter(OtlpHttpSpanExporter.SpanBatchWriter writer) {
    return exporter(config(), writer);
  }

  private OtlpHttpSpanExporter exporter(TracerConfig config, OtlpHttpSpanExporter.SpanBatchWriter writer) {
    OtlpHttpSpanExporter exporter = new OtlpHttpSpanExporter(writer,
        TestConfigs.sender(config, RetryPolicy.from(config.retry()), metrics, exportScheduler), exportScheduler);
    exporters.add(exporter);
    return exporter;
  }

  private OtlpHttpSpanExporter exporter() {
    return exporter(new OtlpProtoWriter(LangfuseAttributes.of(config()))::encode);
  }

  /** Exports on the export scheduler, as the pipeline does, and waits for the result. */
  private ExportResult export(SpanExporter exporter, List<SpanData> batch) {
    return Objects.requireNonNull(Mono.defer(() -> exporter.export(batch))
        .subscribeOn(exportScheduler)
        .block(Duration.ofSeconds(10)));
  }

  private static List<SpanData> spans(int count) {
    String traceId = TraceIds.newTraceId();
    return IntStream.range(0, count)
        .mapToObj(i -> new SpanData(traceId, TraceIds.newSpanId(), null, false, "step-" + i, ObservationType.SPAN,
            1_000_000_000L + i, 2_000_000_000L + i, ObservationLevel.DEFAULT, null, "\"in\"", "\"out\"", null,
            TraceAttributes.EMPTY, null))
        .collect(Collectors.toList());
  }

  /** The span ids of a request, parsed strictly with the official OTLP definitions. */
  private static List<String> spanIds(ReceivedRequest request) {
    return OtlpJson.spans(request.traces()).stream()
        .map(OtlpJson::spanId)
        .collect(Collectors.toList());
  }

  private static List<String> spanIds(List<SpanData> spans) {
    return spans.stream().map(SpanData::spanId).collect(Collectors.toList());
  }

  @ParameterizedTest
  @CsvSource({"http/protobuf, application/x-protobuf", "http/json, application/json"})
  void exportsABatchAsOneGzippedOtlpRequestInTheConfiguredFormat(String protocol, String contentType) {
    List<SpanData> batch = spans(3);
    TracerConfig config = config(protocol);
    LangfuseAttributes mapping = LangfuseAttributes.of(config);
    OtlpHttpSpanExporter.SpanBatchWriter writer = config.wire().protobuf()
        ? new OtlpProtoWriter(mapping)::encode
        : new OtlpJsonWriter(mapping)::encode;

    assertThat(export(exporter(config, writer), batch)).isEqualTo(ExportResult.success(3));

    ReceivedRequest request = receiver.awaitRequest();
    assertThat(request.header("Content-Type")).isEqualTo(contentType);
    assertThat(request.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(spanIds(request)).containsExactlyElementsOf(spanIds(batch));
    assertThat(metrics.bytesSent.sum()).isEqualTo(request.rawBody().length);
  }

  @Test
  void payloadTooLargeSplitsTheBatchInHalvesRecursively() {
    receiver.respondWith(request -> spanIds(request).size() > 1 ? Reply.status(413) : Reply.ok());
    List<SpanData> batch = spans(4);

    assertThat(export(exporter(), batch)).isEqualTo(ExportResult.success(4));

    List<List<String>> sent = receiver.requests().stream()
        .map(OtlpHttpSpanExporterTest::spanIds).collect(Collectors.toList());
    List<String> ids = spanIds(batch);
    assertThat(sent).containsExactly(
        ids,
        ids.subList(0, 2), List.of(ids.get(0)), List.of(ids.get(1)),
        ids.subList(2, 4), List.of(ids.get(2)), List.of(ids.get(3)));
    assertThat(metrics.retries.sum()).isZero();
  }

  @Test
  void aSingleSpanStillTooLargeFailsAsPayloadTooLarge() {
    receiver.respondWith(request -> spanIds(request).size() == 2 ? Reply.ok() : Reply.status(413));
    List<SpanData> batch = spans(3);

    ExportResult result = export(exporter(), batch);

    // [a b c] -> [a] too large, [b c] delivered.
    assertThat(result).isEqualTo(new ExportResult(2, 1, FailureReason.PAYLOAD_TOO_LARGE));
    assertThat(receiver.requestCount()).isEqualTo(3);
  }

  @Test
  void batchesAreEncodedOnTheExportSchedulerEvenAfterA413() {
    receiver.respondWith(request -> spanIds(request).size() > 1 ? Reply.status(413) : Reply.ok());
    ConcurrentLinkedQueue<String> encodingThreads = new ConcurrentLinkedQueue<>();
    OtlpProtoWriter encoder = new OtlpProtoWriter(LangfuseAttributes.of(config()));

    ExportResult result = export(exporter((spans, out) -> {
      encodingThreads.add(Thread.currentThread().getName());
      encoder.encode(spans, out);
    }), spans(2));

    assertThat(result).isEqualTo(ExportResult.success(2));
    assertThat(encodingThreads).hasSize(3).allMatch(name -> name.startsWith("test-export"));
  }

  @Test
  void anEncodingFailureFailsTheBatchWithoutSendingOrThrowing() {
    OtlpHttpSpanExporter exporter = exporter((spans, out) -> {
      throw new IllegalStateException("encoder bug");
    });

    assertThat(export(exporter, spans(2))).isEqualTo(ExportResult.failure(2, FailureReason.INTERNAL_ERROR));
    assertThat(receiver.requestCount()).isZero();
  }

  @Test
  void failuresAreReportedPerBatch() {
    receiver.enqueue(Reply.status(400));

    assertThat(export(exporter(), spans(5))).isEqualTo(ExportResult.failure(5, FailureReason.BAD_REQUEST));
  }

  @Test
  void anEmptyBatchSendsNothing() {
    assertThat(export(exporter(), List.of())).isEqualTo(ExportResult.success(0));
    assertThat(receiver.requestCount()).isZero();
  }

  @Test
  void afterShutdownBatchesFailWithoutBeingSent() {
    OtlpHttpSpanExporter exporter = exporter();
    exporter.shutdown().block(Duration.ofSeconds(5));

    assertThat(export(exporter, spans(1))).isEqualTo(ExportResult.failure(1, FailureReason.SHUTDOWN_DEADLINE));
    assertThat(receiver.requestCount()).isZero();
  }

  @Test
  void exportersChooseOtlpHttpUnlessACustomExporterIsConfigured() {
    SpanExporter http = new Exporters(config()).spanExporter(metrics);
    exporters.add(http);
    assertThat(http).isInstanceOf(OtlpHttpSpanExporter.class);
    assertThat(export(http, spans(1))).isEqualTo(ExportResult.success(1));

    InMemorySpanExporter custom = InMemorySpanExporter.create();
    TracerConfig withCustom = TestConfigs.config(FluxTracer.builder(Map.of()).exporter(custom).shutdownHook(false));
    assertThat(new Exporters(withCustom).spanExporter(metrics)).isSameAs(custom);
  }

  @Test
  void aTracerWithLangfuseKeysExportsEndedSpansToItsBaseUrl() {
    FluxTracer tracer = FluxTracer.builder(Map.of("LANGFUSE_PUBLIC_KEY", "pk-lf-0123456789abcdef",
            "LANGFUSE_SECRET_KEY", "sk-lf-fedcba9876543210", "LANGFUSE_BASE_URL", receiver.baseUrl() + "/"))
        .shutdownHook(false)
        .build();
    try {
      Span span = tracer.startSpan("root", ObservationType.SPAN, null, TraceAttributes.EMPTY);
      span.end();

      ReceivedRequest request = receiver.awaitRequest();
      assertThat(request.path()).isEqualTo("/api/public/otel/v1/traces");
      assertThat(request.header("x-langfuse-ingestion-version")).isEqualTo("4");
      assertThat(spanIds(request)).containsExactly(span.context().spanId());
    } finally {
      tracer.close();
    }
  }
}
