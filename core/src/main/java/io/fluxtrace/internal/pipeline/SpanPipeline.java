package io.fluxtrace.internal.pipeline;

import io.fluxtrace.SpanData;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.BatchSettings;
import io.fluxtrace.internal.config.LifecycleSettings;

/** The span pipeline: a {@link BatchingPipeline} of {@link SpanData} configured and counted for the tracer. */
public final class SpanPipeline {

  private SpanPipeline() {}

  /** Starts a span pipeline that exports through {@code exporter} and counts into {@code metrics}. */
  public static BatchingPipeline<SpanData> create(BatchSettings batching, LifecycleSettings lifecycle,
      TracerMetrics metrics, SpanExporter exporter) {
    PipelineOptions options = PipelineOptions.from(batching, lifecycle, "spans", batching.maxQueuedSpans());
    return BatchingPipeline.start(options, SpanSizeEstimator::estimate,
        BatchExporter.of(exporter::export, exporter::shutdown), metrics);
  }
}
