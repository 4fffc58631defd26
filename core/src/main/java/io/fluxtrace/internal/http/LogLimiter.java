package io.fluxtrace.internal.http;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import reactor.util.Logger;

/**
 * Logs a warning at most once per interval, so that an outage logs a few lines instead of one per batch. What
 * falls inside the interval is counted, and the count is appended to the next warning logged. Thread-safe,
 * lock-free.
 *
 * <p>Same contract as {@code io.fluxtrace.internal.RateLimitedLog} on the pipeline branch, which did not exist
 * when this was written: once both are merged, this one should go.
 */
final class LogLimiter {

  private final Logger logger;
  private final LongSupplier nanoClock;
  private final long intervalNanos;
  private final AtomicLong nextAllowedNanos;
  private final AtomicLong suppressed = new AtomicLong();

  LogLimiter(Logger logger, Duration interval) {
    this(logger, interval, System::nanoTime);
  }

  LogLimiter(Logger logger, Duration interval, LongSupplier nanoClock) {
    this.logger = logger;
    this.nanoClock = nanoClock;
    this.intervalNanos = interval.toNanos();
    this.nextAllowedNanos = new AtomicLong(nanoClock.getAsLong());
  }

  /** Logs {@code format} ({@code {}} placeholders) as a warning unless one was logged too recently. */
  void warn(String format, Object... args) {
    long now = nanoClock.getAsLong();
    long next = nextAllowedNanos.get();
    if (now - next < 0 || !nextAllowedNanos.compareAndSet(next, now + intervalNanos)) {
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
