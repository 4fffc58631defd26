package io.fluxtrace.internal.pipeline;

import io.fluxtrace.ScoreData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.internal.ScoreMetrics;
import io.fluxtrace.internal.TracerConfig;
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

  /** Envelope id, type, timestamp, field names and punctuation of one {@code score-create} event. */
  static final int SCORE_OVERHEAD = 320;

  private ScorePipeline() {}

  /** Starts a score pipeline that exports through {@code exporter} and counts into {@code metrics}. */
  public static BatchingPipeline<ScoreData> create(TracerConfig config, ScoreMetrics metrics, ScoreExporter exporter) {
    PipelineOptions options = PipelineOptions.from(config, "scores", config.maxQueuedScores());
    BatchingPipeline<ScoreData> pipeline =
        new BatchingPipeline<>(options, ScorePipeline::estimate, adapt(exporter), metrics);
    metrics.gauge(pipeline::queuedItems);
    return pipeline;
  }

  /** The estimated size of a score's ingestion event in bytes: string lengths plus an allowance for escaping. */
  static long estimate(ScoreData score) {
    return SCORE_OVERHEAD + score.id().length() + score.name().length() + length(score.stringValue())
        + length(score.traceId()) + length(score.observationId()) + length(score.sessionId())
        + escaped(score.comment()) + escaped(score.metadata()) + length(score.configId())
        + length(score.environment());
  }

  private static long length(@Nullable String value) {
    return value == null ? 0 : value.length();
  }

  /** Text whose quotes and control characters get escaped: an eighth more allows for it. */
  private static long escaped(@Nullable String value) {
    return value == null ? 0 : value.length() + (value.length() >> 3);
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
