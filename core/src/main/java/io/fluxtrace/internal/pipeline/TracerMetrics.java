package io.fluxtrace.internal.pipeline;

import io.fluxtrace.TracerStats;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tracer's exact counters: the span pipeline's outcomes ({@link PipelineCounters}), what happens to spans
 * before it, and the score counters. Gauges (queued spans and bytes) are read from the pipeline that owns them.
 */
public final class TracerMetrics extends PipelineCounters {

  public final LongAdder spansStarted = new LongAdder();
  public final LongAdder spansEnded = new LongAdder();
  public final LongAdder batches = new LongAdder();
  public final LongAdder bytesSent = new LongAdder();
  public final LongAdder mutationsAfterEnd = new LongAdder();
  public final LongAdder contentReplaced = new LongAdder();
  public final LongAdder contentTruncated = new LongAdder();
  public final LongAdder maskingFailures = new LongAdder();
  public final LongAdder invalidValuesDropped = new LongAdder();
  public final ScoreMetrics scores = new ScoreMetrics();

  @Override
  public void batchCompleted() {
    batches.increment();
  }

  /** A consistent-enough snapshot: each counter is exact, read one after the other. */
  public TracerStats snapshot() {
    return new TracerStats(
        spansStarted.sum(),
        spansEnded.sum(),
        enqueued.sum(),
        droppedQueueFull.sum(),
        droppedAfterClose.sum(),
        exported.sum(),
        failedCounts(),
        retries.sum(),
        batches.sum(),
        bytesSent.sum(),
        queuedItems(),
        queuedBytes(),
        mutationsAfterEnd.sum(),
        contentReplaced.sum(),
        contentTruncated.sum(),
        maskingFailures.sum(),
        invalidValuesDropped.sum(),
        scores.snapshot());
  }
}
