package io.fluxtrace.internal.pipeline;

import io.fluxtrace.SpanData;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.BatchSettings;
import io.fluxtrace.internal.config.LifecycleSettings;
import io.fluxtrace.internal.config.MediaSettings;
import io.fluxtrace.internal.config.SamplingSettings;

/** The span pipeline: a {@link BatchingPipeline} of {@link SpanData} configured and counted for the tracer. */
public final class SpanPipeline {

  private SpanPipeline() {}

  /** Starts a span pipeline that exports through {@code exporter} and counts into {@code metrics}. */
  public static BatchingPipeline<SpanData> create(BatchSettings batching, LifecycleSettings lifecycle,
      SamplingSettings sampling, MediaSettings media, TracerMetrics metrics, SpanExporter exporter) {
    PipelineOptions all = PipelineOptions.from(batching, lifecycle, "spans", batching.maxQueuedSpans());
    // Tail sampling's hold takes its share out of the bounds, so that held and queued spans together stay in them.
    PipelineOptions options = new PipelineOptions(all.itemName(),
        all.maxQueuedItems() - sampling.maxHeldSpans(),
        // Media held for upload counts against the tracer's byte bound too: the spans get the rest.
        all.maxQueuedBytes() - sampling.maxHeldBytes() - media.reservedBytes(),
        all.maxBatchItems(), all.maxBatchBytes(), all.flushInterval(), all.maxConcurrentExports(),
        all.shutdownTimeout(), all.scheduler());
    return BatchingPipeline.start(options, SpanSizeEstimator::estimate,
        BatchExporter.of(exporter::export, exporter::shutdown), metrics);
  }
}
