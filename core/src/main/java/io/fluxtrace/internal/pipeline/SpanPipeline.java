package io.fluxtrace.internal.pipeline;

import io.fluxtrace.SpanData;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.BatchSettings;
import io.fluxtrace.internal.config.LifecycleSettings;
import io.fluxtrace.internal.config.MediaSettings;
import io.fluxtrace.internal.config.SamplingSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

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
  public static BatchingPipeline<CapturedSpan> create(BatchSettings batching, LifecycleSettings lifecycle,
      SamplingSettings sampling, MediaSettings media, TracerMetrics metrics, SpanExporter exporter,
      Function<CapturedSpan, SpanData> encoder) {
    PipelineOptions all = PipelineOptions.from(batching, lifecycle, "spans", batching.maxQueuedSpans());
    // Tail sampling's hold takes its share out of the bounds, so that held and queued spans together stay in them.
    PipelineOptions options = new PipelineOptions(all.itemName(),
        all.maxQueuedItems() - sampling.maxHeldSpans(),
        // Media held for upload counts against the tracer's byte bound too: the spans get the rest.
        all.maxQueuedBytes() - sampling.maxHeldBytes() - media.reservedBytes(),
        all.maxBatchItems(), all.maxBatchBytes(), all.flushInterval(), all.maxConcurrentExports(),
        all.shutdownTimeout(), all.scheduler());
    return BatchingPipeline.start(options, (CapturedSpan span) -> SpanSizeEstimator.estimate(span),
        BatchExporter.<CapturedSpan>of(batch -> exporter.export(encoded(batch, encoder)), exporter::shutdown),
        metrics);
  }

  /** The captured spans of a batch as the exporter receives them, encoded on the export side. */
  private static List<SpanData> encoded(List<CapturedSpan> batch, Function<CapturedSpan, SpanData> encoder) {
    List<SpanData> spans = new ArrayList<>(batch.size());
    for (CapturedSpan span : batch) {
      spans.add(encoder.apply(span));
    }
    return Collections.unmodifiableList(spans);
  }
}
