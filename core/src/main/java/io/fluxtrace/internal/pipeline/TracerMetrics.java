package io.fluxtrace.internal.pipeline;

import io.fluxtrace.FailureReason;
import io.fluxtrace.TracerStats;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The tracer's exact counters. {@link LongAdder}s because they are bumped from every thread that ends a span
 * and read rarely. Gauges (queued spans and bytes) are read from the pipeline that owns them.
 */
public final class TracerMetrics {

  public final LongAdder spansStarted = new LongAdder();
  public final LongAdder spansEnded = new LongAdder();
  public final LongAdder enqueued = new LongAdder();
  public final LongAdder droppedQueueFull = new LongAdder();
  public final LongAdder droppedAfterClose = new LongAdder();
  public final LongAdder exported = new LongAdder();
  public final LongAdder retries = new LongAdder();
  public final LongAdder batches = new LongAdder();
  public final LongAdder bytesSent = new LongAdder();
  public final LongAdder mutationsAfterEnd = new LongAdder();
  public final LongAdder contentReplaced = new LongAdder();
  public final LongAdder contentTruncated = new LongAdder();
  public final LongAdder maskingFailures = new LongAdder();
  public final LongAdder invalidValuesDropped = new LongAdder();
  public final ScoreMetrics scores = new ScoreMetrics();
  private final EnumMap<FailureReason, LongAdder> failed = new EnumMap<>(FailureReason.class);

  private volatile LongSupplier queuedSpans = () -> 0;
  private volatile LongSupplier queuedBytes = () -> 0;

  public TracerMetrics() {
    for (FailureReason reason : FailureReason.values()) {
      failed.put(reason, new LongAdder());
    }
  }

  /** Counts {@code count} spans that definitively failed for {@code reason}. */
  public void failed(FailureReason reason, long count) {
    LongAdder adder = failed.get(reason);
    if (adder != null) {
      adder.add(count);
    }
  }

  /** Lets the pipeline report how many spans and bytes it holds. */
  public void gauges(LongSupplier queuedSpans, LongSupplier queuedBytes) {
    this.queuedSpans = queuedSpans;
    this.queuedBytes = queuedBytes;
  }

  /** A consistent-enough snapshot: each counter is exact, read one after the other. */
  public TracerStats snapshot() {
    Map<FailureReason, Long> failedCounts = new EnumMap<>(FailureReason.class);
    failed.forEach((reason, adder) -> failedCounts.put(reason, adder.sum()));
    return new TracerStats(
        spansStarted.sum(),
        spansEnded.sum(),
        enqueued.sum(),
        droppedQueueFull.sum(),
        droppedAfterClose.sum(),
        exported.sum(),
        failedCounts,
        retries.sum(),
        batches.sum(),
        bytesSent.sum(),
        queuedSpans.getAsLong(),
        queuedBytes.getAsLong(),
        mutationsAfterEnd.sum(),
        contentReplaced.sum(),
        contentTruncated.sum(),
        maskingFailures.sum(),
        invalidValuesDropped.sum(),
        scores.snapshot());
  }
}
