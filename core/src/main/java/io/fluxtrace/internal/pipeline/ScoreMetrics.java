package io.fluxtrace.internal.pipeline;

import io.fluxtrace.FailureReason;
import io.fluxtrace.ScoreStats;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The exact score counters, kept apart from the span counters; see {@link ScoreStats}. Counts the score
 * pipeline's outcomes as its {@link PipelineListener}.
 */
public final class ScoreMetrics implements PipelineListener {

  public final LongAdder recorded = new LongAdder();
  public final LongAdder enqueued = new LongAdder();
  public final LongAdder droppedQueueFull = new LongAdder();
  public final LongAdder droppedAfterClose = new LongAdder();
  public final LongAdder droppedNoExporter = new LongAdder();
  public final LongAdder exported = new LongAdder();
  public final LongAdder retries = new LongAdder();
  private final EnumMap<FailureReason, LongAdder> failed = new EnumMap<>(FailureReason.class);

  private volatile LongSupplier queued = () -> 0;

  public ScoreMetrics() {
    for (FailureReason reason : FailureReason.values()) {
      failed.put(reason, new LongAdder());
    }
  }

  @Override
  public void admitted() {
    enqueued.increment();
  }

  @Override
  public void droppedQueueFull() {
    droppedQueueFull.increment();
  }

  @Override
  public void droppedAfterClose(long count) {
    droppedAfterClose.add(count);
  }

  @Override
  public void exported(long count) {
    exported.add(count);
  }

  @Override
  public void batchCompleted() {
    // Score requests are not counted; a batch may take several requests and retries.
  }

  /** Counts {@code count} scores that definitively failed for {@code reason}. */
  @Override
  public void failed(FailureReason reason, long count) {
    LongAdder adder = failed.get(reason);
    if (adder != null) {
      adder.add(count);
    }
  }

  /** Lets the score pipeline report how many scores it holds. */
  public void gauge(LongSupplier queued) {
    this.queued = queued;
  }

  /** Each counter exact, read one after the other. */
  public ScoreStats snapshot() {
    Map<FailureReason, Long> failedCounts = new EnumMap<>(FailureReason.class);
    failed.forEach((reason, adder) -> failedCounts.put(reason, adder.sum()));
    return new ScoreStats(
        recorded.sum(),
        enqueued.sum(),
        droppedQueueFull.sum(),
        droppedAfterClose.sum(),
        droppedNoExporter.sum(),
        exported.sum(),
        failedCounts,
        retries.sum(),
        queued.getAsLong());
  }
}
