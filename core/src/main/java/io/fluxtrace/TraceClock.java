package io.fluxtrace;

/**
 * The source of span timestamps, in nanoseconds since the Unix epoch. Tests substitute a fake clock; production
 * uses {@link #system()}.
 */
@FunctionalInterface
public interface TraceClock {

  /** The current time in nanoseconds since the Unix epoch. */
  long nowEpochNanos();

  /**
   * The system clock: wall time read once, then advanced with the monotonic {@link System#nanoTime()}, so that
   * durations are exact and never negative even when the wall clock is adjusted.
   */
  static TraceClock system() {
    return SystemClock.INSTANCE;
  }
}
