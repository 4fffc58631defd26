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
 *
 * <p>When both bounds fit in one 64-bit word (fewer than 2<sup>{@value #ITEM_BITS}</sup> items and
 * 2<sup>{@value #BYTE_BITS}</sup> bytes: every configuration in practice), the two counts live in one
 * {@link AtomicLong}, items in the high bits: admitting an item is then one compare-and-set that checks both bounds
 * at once, and releasing a batch one add, instead of one of each per count. The counts never exceed the bounds,
 * not even for an instant, either way.
 */
final class Admission {

  static final int BYTE_BITS = 43;
  static final int ITEM_BITS = 64 - BYTE_BITS - 1; // the sign bit stays clear
  private static final long BYTE_MASK = (1L << BYTE_BITS) - 1;

  private final PipelineOptions options;
  private final PipelineListener listener;
  private final Logger log;
  private final RateLimitedLog dropWarnings;
  /** Whether {@link #both} holds the counts; else {@link #items} and {@link #bytes} do. */
  private final boolean packed;
  /** Items (high bits) and bytes (low {@value #BYTE_BITS} bits) holding room, when {@link #packed}. */
  private final AtomicLong both = new AtomicLong();
  private final AtomicLong items = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong dropsToReport = new AtomicLong();

  /** @param log the pipeline's logger, so that the warnings keep its name */
  Admission(PipelineOptions options, PipelineListener listener, Logger log, Duration warningInterval) {
    this.options = options;
    this.listener = listener;
    this.log = log;
    this.dropWarnings = new RateLimitedLog(log, warningInterval);
    this.packed = options.maxQueuedItems() < (1L << ITEM_BITS) && options.maxQueuedBytes() <= BYTE_MASK;
  }

  /** Reserves room for one item of {@code size} bytes; false (the item counted as refused) when it does not fit. */
  boolean tryAdmit(long size) {
    if (packed) {
      if (!reserveBoth(size)) {
        refuse();
        return false;
      }
      return true;
    }
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

  /** One item and {@code size} bytes under both bounds, in one compare-and-set (retried only on interference). */
  private boolean reserveBoth(long size) {
    long maxItems = options.maxQueuedItems();
    long maxBytes = options.maxQueuedBytes();
    if (size > maxBytes) {
      return false;
    }
    for (;;) {
      long current = both.get();
      if ((current >>> BYTE_BITS) >= maxItems || (current & BYTE_MASK) > maxBytes - size) {
        return false;
      }
      if (both.compareAndSet(current, current + (1L << BYTE_BITS) + size)) {
        return true;
      }
    }
  }

  /** Refuses (and counts) one item when the pipeline already holds its maximum of items or bytes. */
  boolean refuseIfFull() {
    if (items() >= options.maxQueuedItems() || bytes() >= options.maxQueuedBytes()) {
      refuse();
      return true;
    }
    return false;
  }

  /** Gives back the room of settled (or withdrawn) items. */
  void release(long releasedItems, long releasedBytes) {
    if (packed) {
      both.addAndGet(-((releasedItems << BYTE_BITS) + releasedBytes));
      return;
    }
    bytes.addAndGet(-releasedBytes);
    items.addAndGet(-releasedItems);
  }

  /** Items holding room now: queued, batched or in flight. */
  long items() {
    return packed ? both.get() >>> BYTE_BITS : items.get();
  }

  /** Estimated bytes holding room now. */
  long bytes() {
    return packed ? both.get() & BYTE_MASK : bytes.get();
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
