package io.fluxtrace.internal;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.util.Logger;

/**
 * Logs a warning at most once per interval for each key, saying how many were left out in between, so that an
 * outage or a stream of rejected items cannot flood the application's log. Keys must come from a small fixed
 * set (a reason, a status), never from data. Thread-safe and lock-free.
 */
public final class RateLimitedLogger {

  private final Logger log;
  private final long intervalNanos;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  public RateLimitedLogger(Logger log, Duration interval) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
  }

  /** Logs {@code message} as a warning unless a warning with this key was logged within the interval. */
  public void warn(String key, String message) {
    Window window = windows.computeIfAbsent(key, k -> new Window());
    long now = System.nanoTime();
    long next = window.nextAllowed.get();
    if (now - next >= 0 && window.nextAllowed.compareAndSet(next, now + intervalNanos)) {
      long suppressed = window.suppressed.getAndSet(0);
      log.warn(suppressed == 0 ? message : message + " (" + suppressed + " similar warnings left out)");
    } else {
      window.suppressed.incrementAndGet();
    }
  }

  private static final class Window {
    // Starts in the past so the first warning of each key is logged.
    final AtomicLong nextAllowed = new AtomicLong(System.nanoTime() - 1);
    final AtomicLong suppressed = new AtomicLong();
  }
}
