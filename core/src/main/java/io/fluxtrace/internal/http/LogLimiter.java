package io.fluxtrace.internal.http;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Lets one message of a kind through per interval, so that an outage logs a few lines instead of one per batch.
 * Counts what it held back, so the next message can say so. Thread-safe, lock-free.
 */
final class LogLimiter {

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong nextAllowed;
  private final AtomicLong suppressed = new AtomicLong();

  LogLimiter(long interval, TimeUnit unit) {
    this(interval, unit, System::nanoTime);
  }

  LogLimiter(long interval, TimeUnit unit, LongSupplier nanoTime) {
    this.intervalNanos = unit.toNanos(interval);
    this.nanoTime = nanoTime;
    this.nextAllowed = new AtomicLong(nanoTime.getAsLong());
  }

  /**
   * Whether a message may be logged now.
   *
   * @return -1 when it must be held back, else how many messages were held back since the last one let through
   */
  long tryAcquire() {
    long now = nanoTime.getAsLong();
    long next = nextAllowed.get();
    if (now - next >= 0 && nextAllowed.compareAndSet(next, now + intervalNanos)) {
      return suppressed.getAndSet(0);
    }
    suppressed.incrementAndGet();
    return -1;
  }
}
