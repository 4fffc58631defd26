package io.fluxtrace.internal.pipeline;

import io.fluxtrace.FailureReason;
import io.fluxtrace.SpanData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.TracerConfig;
import java.util.List;
import reactor.core.publisher.Mono;

/** The span pipeline: a {@link BatchingPipeline} of {@link SpanData} configured and counted for the tracer. */
public final class SpanPipeline {

  private SpanPipeline() {}

  /** Starts a span pipeline that exports through {@code exporter} and counts into {@code metrics}. */
  public static BatchingPipeline<SpanData> create(TracerConfig config, TracerMetrics metrics, SpanExporter exporter) {
    PipelineOptions options = PipelineOptions.from(config, "spans", config.maxQueuedSpans());
    SpanSizeEstimator.init();
    BatchingPipeline<SpanData> pipeline =
        new BatchingPipeline<>(options, SpanSizeEstimator::estimate, adapt(exporter), listener(metrics));
    metrics.gauges(pipeline::queuedItems, pipeline::queuedBytes);
    return pipeline;
  }

  private static BatchExporter<SpanData> adapt(SpanExporter exporter) {
    return new BatchExporter<>() {
      @Override
      public Mono<ExportResult> export(List<SpanData> batch) {
        return exporter.export(batch);
      }

      @Override
      public Mono<Void> shutdown() {
        return exporter.shutdown();
      }
    };
  }

  /** Counts every span's outcome into the tracer's counters. */
  static PipelineListener listener(TracerMetrics metrics) {
    return new PipelineListener() {
      @Override
      public void admitted() {
        metrics.enqueued.increment();
      }

      @Override
      public void droppedQueueFull() {
        metrics.droppedQueueFull.increment();
      }

      @Override
      public void droppedAfterClose(long count) {
        metrics.droppedAfterClose.add(count);
      }

      @Override
      public void exported(long count) {
        metrics.exported.add(count);
      }

      @Override
      public void failed(FailureReason reason, long count) {
        metrics.failed(reason, count);
      }

      @Override
      public void batchCompleted() {
        metrics.batches.increment();
      }
    };
  }
}
