package io.fluxtrace.internal.score;

import io.fluxtrace.ScoreData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.pipeline.BatchExporter;
import io.fluxtrace.internal.pipeline.BatchingPipeline;
import io.fluxtrace.internal.pipeline.HeapLayout;
import io.fluxtrace.internal.pipeline.PipelineOptions;
import io.fluxtrace.internal.pipeline.ScoreMetrics;
import io.fluxtrace.internal.pipeline.SpanSizeEstimator;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * The score pipeline: a {@link BatchingPipeline} of {@link ScoreData} with the span pipeline's batch size, flush
 * interval, concurrency and shutdown timeout, and bounds of its own ({@code maxQueuedScores}, and
 * {@code maxQueuedBytes} apart from the spans).
 */
public final class ScorePipeline {

  private ScorePipeline() {}

  /** Starts a score pipeline that exports through {@code exporter} and counts into {@code metrics}. */
  public static BatchingPipeline<ScoreData> create(TracerConfig config, ScoreMetrics metrics, ScoreExporter exporter) {
    PipelineOptions options = PipelineOptions.from(config, "scores", config.maxQueuedScores());
    SpanSizeEstimator.init();
    BatchingPipeline<ScoreData> pipeline =
        new BatchingPipeline<>(options, ScorePipeline::estimate, adapt(exporter), metrics);
    metrics.gauge(pipeline::queuedItems);
    return pipeline;
  }

  /**
   * The estimated heap a queued score holds, counted as {@link SpanSizeEstimator} counts spans: the pipeline's entry
   * and queue node, the ScoreData, its strings whole (one byte per char for Latin-1 text, two otherwise) and a boxed
   * numeric value; the name and environment, usually shared constants, by their chars only.
   */
  static long estimate(ScoreData score) {
    return estimate(score, HeapLayout.CURRENT);
  }

  static long estimate(ScoreData score, HeapLayout heap) {
    // Entry (item, size), queue node (next, value); ScoreData: 12 references and one long.
    return heap.object(1, 8) + heap.object(2, 0) + heap.object(12, 8) + heap.string(score.id())
        + heap.chars(score.name()) + (score.numericValue() == null ? 0 : heap.object(0, 8))
        + string(heap, score.stringValue()) + string(heap, score.traceId()) + string(heap, score.observationId())
        + string(heap, score.sessionId()) + string(heap, score.comment()) + string(heap, score.metadata())
        + string(heap, score.configId()) + (score.environment() == null ? 0 : heap.chars(score.environment()));
  }

  private static long string(HeapLayout heap, @Nullable String value) {
    return value == null ? 0 : heap.string(value);
  }

  private static BatchExporter<ScoreData> adapt(ScoreExporter exporter) {
    return new BatchExporter<>() {
      @Override
      public Publisher<ExportResult> export(List<ScoreData> batch) {
        return exporter.export(batch);
      }

      @Override
      public Mono<Void> shutdown() {
        return exporter.shutdown();
      }
    };
  }
}
