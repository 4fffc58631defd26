package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * The tracers the benchmarks compare, configured alike: fluxtrace with its batching pipeline, and the OpenTelemetry
 * Java SDK with its {@link BatchSpanProcessor}, each over an exporter that acknowledges every batch at once unless a
 * benchmark gives a real one. Both get the same batch size and queue bound.
 */
final class Peers {

  /** Spans per export batch, for both tracers (OpenTelemetry's default; fluxtrace's default too). */
  static final int BATCH_SIZE = 512;
  /** Spans held at most, for both tracers: large enough that no benchmark drops at the rates measured. */
  static final int MAX_QUEUED = 65_536;

  private Peers() {}

  /** A fluxtrace exporter that acknowledges every batch at once: what remains is the tracer's own cost. */
  static SpanExporter acknowledgingExporter() {
    return new SpanExporter() {
      private final Mono<ExportResult> none = Mono.just(ExportResult.success(0));

      @Override
      public Mono<ExportResult> export(List<io.fluxtrace.SpanData> batch) {
        return batch.isEmpty() ? none : Mono.just(ExportResult.success(batch.size()));
      }
    };
  }

  /** An OpenTelemetry exporter that acknowledges every batch at once. */
  static io.opentelemetry.sdk.trace.export.SpanExporter otelAcknowledgingExporter() {
    return new io.opentelemetry.sdk.trace.export.SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  /** A fluxtrace builder with no environment, no shutdown hook, and the shared batch size and queue bound. */
  static FluxTracerBuilder fluxtrace() {
    return FluxTracer.builder(Map.of())
        .serviceName("fluxtrace-benchmarks")
        .shutdownHook(false)
        .flushAt(BATCH_SIZE)
        .maxQueuedSpans(MAX_QUEUED)
        .maxQueuedBytes(1L << 30);
  }

  /** fluxtrace over the acknowledging exporter. */
  static FluxTracer fluxtraceAcknowledging() {
    return fluxtrace().exporter(acknowledgingExporter()).build();
  }

  /** A {@link BatchSpanProcessor} with the shared batch size and queue bound over {@code exporter}. */
  static BatchSpanProcessor otelBatchProcessor(io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
    return BatchSpanProcessor.builder(exporter)
        .setMaxExportBatchSize(BATCH_SIZE)
        .setMaxQueueSize(MAX_QUEUED)
        .setScheduleDelay(Duration.ofSeconds(1))
        .build();
  }

  /** An OpenTelemetry tracer provider sampling everything, with a batch processor over {@code exporter}. */
  static SdkTracerProvider otel(io.opentelemetry.sdk.trace.export.SpanExporter exporter) {
    return otel(exporter, Sampler.parentBased(Sampler.alwaysOn()));
  }

  /** An OpenTelemetry tracer provider with {@code sampler} and a batch processor over {@code exporter}. */
  static SdkTracerProvider otel(io.opentelemetry.sdk.trace.export.SpanExporter exporter, Sampler sampler) {
    SdkTracerProviderBuilder builder = SdkTracerProvider.builder()
        .setSampler(sampler)
        .addSpanProcessor(otelBatchProcessor(exporter));
    return builder.build();
  }

  /** Shuts an OpenTelemetry provider down, waiting at most 10 s. */
  static void close(SdkTracerProvider provider) {
    provider.shutdown().join(10, java.util.concurrent.TimeUnit.SECONDS);
  }
}
