package io.fluxtrace.internal.pipeline;

import io.fluxtrace.FailureReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The exact outcome counters of one {@link BatchingPipeline}, the same shape for spans ({@link TracerMetrics}) and
 * scores ({@link ScoreMetrics}), counted as its {@link PipelineListener}. {@link LongAdder}s because they are
 * bumped from every thread that offers an item and read rarely; the gauges are read from the pipeline.
 */
public abstract class PipelineCounters implements PipelineListener {

  public final LongAdder enqueued = new LongAdder();
  public final LongAdder droppedQueueFull = new LongAdder();
  public final LongAdder droppedAfterClose = new LongAdder();
  public final LongAdder exported = new LongAdder();
  public final LongAdder retries = new LongAdder();
  private final EnumMap<FailureReason, LongAdder> failed = new EnumMap<>(FailureReason.class);

  private volatile LongSupplier queuedItems = () -> 0;
  private volatile LongSupplier queuedBytes = () -> 0;

  protected PipelineCounters() {
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

  /** Counts {@code count} items that definitively failed for {@code reason}. */
  @Override
  public void failed(FailureReason reason, long count) {
    LongAdder adder = failed.get(reason);
    if (adder != null) {
      adder.add(count);
    }
  }

  @Override
  public void batchCompleted() {
    // Not counted unless a subclass says otherwise.
  }

  /** Lets the pipeline report how many items and bytes it holds. */
  public void gauges(LongSupplier queuedItems, LongSupplier queuedBytes) {
    this.queuedItems = queuedItems;
    this.queuedBytes = queuedBytes;
  }

  /** The failures so far, by reason; every reason present. */
  protected final Map<FailureReason, Long> failedCounts() {
    Map<FailureReason, Long> counts = new EnumMap<>(FailureReason.class);
    failed.forEach((reason, adder) -> counts.put(reason, adder.sum()));
    return counts;
  }

  /** Items in the pipeline now. */
  protected final long queuedItems() {
    return queuedItems.getAsLong();
  }

  /** Estimated bytes in the pipeline now. */
  protected final long queuedBytes() {
    return queuedBytes.getAsLong();
  }
}
