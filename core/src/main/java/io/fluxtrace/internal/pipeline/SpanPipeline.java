package io.fluxtrace.internal.pipeline;

import io.fluxtrace.FailureReason;
import io.fluxtrace.SpanData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.TracerConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The span pipeline: a {@link BatchingPipeline} of {@link CapturedSpan}s configured and counted for the tracer. Each
 * batch's captured content is encoded into {@link SpanData} in its export call, which the pipeline runs on the
 * export scheduler, so that batches in flight are encoded at once when the scheduler has the threads.
 */
public final class SpanPipeline {

  private SpanPipeline() {}

  /**
   * Starts a span pipeline that exports through {@code exporter} and counts into {@code metrics}; {@code encoder}
   * (the span data factory's {@code toSpanData}) turns each captured span into what the exporter receives.
   */
  public static BatchingPipeline<CapturedSpan> create(
      TracerConfig config, TracerMetrics metrics, SpanExporter exporter, Function<CapturedSpan, SpanData> encoder) {
    PipelineOptions all = PipelineOptions.from(config, "spans", config.maxQueuedSpans());
    // Tail sampling's hold takes its share out of the bounds, so that held and queued spans together stay in them.
    PipelineOptions options = new PipelineOptions(all.itemName(),
        all.maxQueuedItems() - config.sampling().maxHeldSpans(),
        // Media held for upload counts against the tracer's byte bound too: the spans get the rest.
        all.maxQueuedBytes() - config.sampling().maxHeldBytes() - config.media().reservedBytes(),
        all.maxBatchItems(), all.maxBatchBytes(), all.flushInterval(), all.maxConcurrentExports(),
        all.shutdownTimeout(), all.scheduler());
    SpanSizeEstimator.init();
    BatchingPipeline<CapturedSpan> pipeline = new BatchingPipeline<>(
        options, (CapturedSpan span) -> SpanSizeEstimator.estimate(span), adapt(exporter, encoder), listener(metrics));
    metrics.gauges(pipeline::queuedItems, pipeline::queuedBytes);
    return pipeline;
  }

  private static BatchExporter<CapturedSpan> adapt(SpanExporter exporter, Function<CapturedSpan, SpanData> encoder) {
    return new BatchExporter<>() {
      @Override
      public Mono<ExportResult> export(List<CapturedSpan> batch) {
        List<SpanData> spans = new ArrayList<>(batch.size());
        for (CapturedSpan span : batch) {
          spans.add(encoder.apply(span));
        }
        return exporter.export(Collections.unmodifiableList(spans));
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
