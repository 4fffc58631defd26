package io.fluxtrace.internal.pipeline;

import io.fluxtrace.internal.util.Bounds;
import io.fluxtrace.internal.util.RateLimitedLog;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import reactor.util.Logger;

/**
 * The door of a {@link BatchingPipeline}: an item enters only if it fits under {@code maxQueuedItems} and
 * {@code maxQueuedBytes}, and holds its room until its batch is settled. Every refused item is counted
 * ({@link PipelineListener#droppedQueueFull()}) and reported in a rate-limited warning. Lock-free; never blocks.
 */
final class Admission {

  private final PipelineOptions options;
  private final PipelineListener listener;
  private final Logger log;
  private final RateLimitedLog dropWarnings;
  private final AtomicLong items = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong dropsToReport = new AtomicLong();

  /** @param log the pipeline's logger, so that the warnings keep its name */
  Admission(PipelineOptions options, PipelineListener listener, Logger log, Duration warningInterval) {
    this.options = options;
    this.listener = listener;
    this.log = log;
    this.dropWarnings = new RateLimitedLog(log, warningInterval);
  }

  /** Reserves room for one item of {@code size} bytes; false (the item counted as refused) when it does not fit. */
  boolean tryAdmit(long size) {
    if (!Bounds.reserve(items, 1, options.maxQueuedItems())) {
      refuse();
      return false;
    }
    if (!Bounds.reserve(bytes, size, options.maxQueuedBytes())) {
      release(1, 0);
      refuse();
      return false;
    }
    return true;
  }

  /** Refuses (and counts) one item when the pipeline already holds its maximum of items or bytes. */
  boolean refuseIfFull() {
    if (items.get() >= options.maxQueuedItems() || bytes.get() >= options.maxQueuedBytes()) {
      refuse();
      return true;
    }
    return false;
  }

  /** Gives back the room of settled (or withdrawn) items. */
  void release(long releasedItems, long releasedBytes) {
    bytes.addAndGet(-releasedBytes);
    items.addAndGet(-releasedItems);
  }

  /** Items holding room now: queued, batched or in flight. */
  long items() {
    return items.get();
  }

  /** Estimated bytes holding room now. */
  long bytes() {
    return bytes.get();
  }

  /** Warns about the items refused since the last warning, at most once per interval. */
  void reportDrops() {
    if (dropsToReport.get() > 0 && dropWarnings.tryAcquire()) {
      logDrops(dropsToReport.getAndSet(0));
    }
  }

  /** Warns about every item refused since the last warning, whatever the interval: the pipeline is ending. */
  void reportRemainingDrops() {
    long drops = dropsToReport.getAndSet(0);
    if (drops > 0) {
      logDrops(drops);
    }
  }

  private void refuse() {
    listener.droppedQueueFull();
    dropsToReport.incrementAndGet();
  }

  private void logDrops(long drops) {
    String itemName = options.itemName();
    log.warn("fluxtrace: dropped {} {} because the pipeline was full (maxQueued{}={}, maxQueuedBytes={}): the"
        + " backend is slower than {} are produced, or unreachable", drops, itemName, capitalized(itemName),
        options.maxQueuedItems(), options.maxQueuedBytes(), itemName);
  }

  private static String capitalized(String word) {
    return word.isEmpty() ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }
}
