package io.fluxtrace.internal.util;

import java.util.concurrent.atomic.AtomicLong;

/** The one reservation under a bound, for the pipeline's admission, the tail sampling hold and the media queue. */
public final class Bounds {

  private Bounds() {}

  /**
   * Takes {@code amount} of room in {@code counter} if it stays within {@code max}. A compare-and-set, not an add
   * that is taken back when it overshoots: the counts never exceed the bounds even for an instant, so the gauges
   * never show more than the bounds and a concurrent reservation is never refused because of room that another was
   * about to give back. Retried only when another thread changed the count in between (lock-free, never waiting).
   */
  public static boolean reserve(AtomicLong counter, long amount, long max) {
    for (;;) {
      long current = counter.get();
      if (current > max - amount) {
        return false;
      }
      if (counter.compareAndSet(current, current + amount)) {
        return true;
      }
    }
  }
}
