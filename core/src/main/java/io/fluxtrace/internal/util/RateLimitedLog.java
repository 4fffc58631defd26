package io.fluxtrace.internal.util;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import reactor.util.Logger;

/**
 * Logs a warning at most once per interval, so that a condition that repeats for every span (a full queue, a
 * failing backend) cannot flood the application's log. Messages that fall inside the interval are counted and
 * the count is appended to the next one that is logged. Thread-safe and lock-free.
 */
public final class RateLimitedLog {

  private final Logger logger;
  private final LongSupplier nanoClock;
  private final long intervalNanos;
  private final AtomicLong nextAllowedNanos;
  private final AtomicLong suppressed = new AtomicLong();

  /** Logs through {@code logger} at most once per {@code interval}; the first message is always logged. */
  public RateLimitedLog(Logger logger, Duration interval) {
    this(logger, interval, System::nanoTime);
  }

  RateLimitedLog(Logger logger, Duration interval, LongSupplier nanoClock) {
    this.logger = logger;
    this.nanoClock = nanoClock;
    this.intervalNanos = interval.toNanos();
    this.nextAllowedNanos = new AtomicLong(nanoClock.getAsLong());
  }

  /**
   * Claims the right to log now: true at most once per interval. For callers that aggregate their own count
   * (such as drops) and format the message only when it will be logged.
   */
  public boolean tryAcquire() {
    long now = nanoClock.getAsLong();
    long next = nextAllowedNanos.get();
    return now - next >= 0 && nextAllowedNanos.compareAndSet(next, now + intervalNanos);
  }

  /** Logs {@code format} (SLF4J-style {@code {}} placeholders) as a warning unless one was logged too recently. */
  public void warn(String format, Object... args) {
    if (!tryAcquire()) {
      suppressed.incrementAndGet();
      return;
    }
    long skipped = suppressed.getAndSet(0);
    if (skipped == 0) {
      logger.warn(format, args);
    } else {
      Object[] withCount = new Object[args.length + 1];
      System.arraycopy(args, 0, withCount, 0, args.length);
      withCount[args.length] = skipped;
      logger.warn(format + " ({} similar warnings suppressed)", withCount);
    }
  }
}
