package io.fluxtrace.internal.score;

import io.fluxtrace.FailureReason;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.pipeline.BatchingPipeline;
import io.fluxtrace.internal.pipeline.ScoreMetrics;
import io.fluxtrace.internal.util.SafeLogger;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.Logger;

/**
 * The tracer's score side: freezes each recorded score and hands it to the score pipeline. The pipeline and its
 * exporter start with the first score, so a tracer that never scores has no score thread or connection pool.
 * Thread-safe; {@link #record} never blocks (the lock below guards only the one-time start) and never throws.
 */
public final class ScoreRecorder {

  private static final Logger log = SafeLogger.of(ScoreRecorder.class);

  private final TracerConfig config;
  private final ScoreMetrics metrics;
  private final ScoreDataFactory factory;
  private final Supplier<@Nullable ScoreExporter> exporter;
  private final Object lock = new Object();
  private final AtomicBoolean noExporterLogged = new AtomicBoolean();
  private volatile @Nullable BatchingPipeline<ScoreData> pipeline;
  private volatile boolean noExporter;
  private boolean closed; // guarded by lock

  /**
   * @param exporter makes the score exporter, called once with the first score; null when scores have nowhere
   *     to go
   */
  public ScoreRecorder(TracerConfig config, ScoreMetrics metrics, ScoreDataFactory factory,
      Supplier<@Nullable ScoreExporter> exporter) {
    this.config = config;
    this.exporter = exporter;
    this.metrics = metrics;
    this.factory = factory;
  }

  /** Records a valid score: counted, masked, queued; or dropped and counted. */
  public void record(Score score) {
    metrics.recorded.increment();
    BatchingPipeline<ScoreData> p = pipeline;
    if (p == null) {
      p = start();
      if (p == null) {
        return;
      }
    }
    if (p.isClosed()) {
      metrics.droppedAfterClose.increment();
      return;
    }
    ScoreData data;
    try {
      data = factory.toScoreData(score);
    } catch (Throwable t) {
      // A bug of ours must not reach the application; count the score as failed instead.
      metrics.failed(FailureReason.INTERNAL_ERROR, 1);
      log.warn("fluxtrace: could not record score '{}': {}", score.name(), t.getClass().getName());
      return;
    }
    p.offer(data);
  }

  /** The running pipeline, started now if need be; null (the score counted as dropped) when there is none. */
  private @Nullable BatchingPipeline<ScoreData> start() {
    if (noExporter) {
      metrics.droppedNoExporter.increment();
      return null;
    }
    synchronized (lock) {
      BatchingPipeline<ScoreData> p = pipeline;
      if (p != null) {
        return p;
      }
      if (closed) {
        metrics.droppedAfterClose.increment();
        return null;
      }
      ScoreExporter exporter = this.exporter.get();
      if (exporter == null) {
        noExporter = true;
        metrics.droppedNoExporter.increment();
        if (noExporterLogged.compareAndSet(false, true)) {
          log.warn("fluxtrace: scores are dropped: this tracer sends spans to {} and has no Langfuse keys to send"
              + " scores to Langfuse. Set FluxTracerBuilder.scoreExporter(...) to deliver them elsewhere.",
              config.exporter() != null ? "a custom exporter" : Secrets.redactUrl(config.endpoint()));
        }
        return null;
      }
      p = ScorePipeline.create(config, metrics, exporter);
      pipeline = p;
      return p;
    }
  }

  /** Completes with true once every score recorded before the call is settled. Never errors. */
  public Mono<Boolean> flush() {
    return Mono.defer(() -> {
      BatchingPipeline<ScoreData> p = pipeline;
      return p == null ? Mono.just(true) : p.flush();
    });
  }

  /** Stops taking scores and delivers the rest within {@code timeout}; true if all were settled. */
  public Mono<Boolean> shutdown(Duration timeout) {
    return Mono.defer(() -> {
      BatchingPipeline<ScoreData> p;
      synchronized (lock) {
        closed = true;
        p = pipeline;
      }
      return p == null ? Mono.just(true) : p.shutdown(timeout);
    });
  }

  /** Scores in the pipeline now: queued, batched or in flight. */
  public long queued() {
    BatchingPipeline<ScoreData> p = pipeline;
    return p == null ? 0 : p.queuedItems();
  }
}
