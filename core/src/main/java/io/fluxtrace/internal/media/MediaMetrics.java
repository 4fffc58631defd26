package io.fluxtrace.internal.media;

import io.fluxtrace.FailureReason;
import io.fluxtrace.MediaStats;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/** The exact media counters; see {@link MediaStats}. */
final class MediaMetrics {

  final LongAdder uploaded = new LongAdder();
  final LongAdder deduplicated = new LongAdder();
  final LongAdder droppedQueueFull = new LongAdder();
  final LongAdder retries = new LongAdder();
  private final EnumMap<FailureReason, LongAdder> failed = new EnumMap<>(FailureReason.class);

  MediaMetrics() {
    for (FailureReason reason : FailureReason.values()) {
      failed.put(reason, new LongAdder());
    }
  }

  void failed(FailureReason reason) {
    LongAdder adder = failed.get(reason);
    if (adder != null) {
      adder.increment();
    }
  }

  MediaStats snapshot(LongSupplier queued, LongSupplier queuedBytes) {
    Map<FailureReason, Long> failedCounts = new EnumMap<>(FailureReason.class);
    failed.forEach((reason, adder) -> failedCounts.put(reason, adder.sum()));
    return new MediaStats(uploaded.sum(), deduplicated.sum(), droppedQueueFull.sum(), failedCounts, retries.sum(),
        queued.getAsLong(), queuedBytes.getAsLong());
  }
}
