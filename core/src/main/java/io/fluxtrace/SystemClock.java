package io.fluxtrace;

import java.time.Instant;

/** Wall time anchored once, advanced by the monotonic clock (as OpenTelemetry's {@code AnchoredClock} does). */
final class SystemClock implements TraceClock {

  static final SystemClock INSTANCE = new SystemClock();

  private final long anchorEpochNanos;
  private final long anchorNanoTime;

  private SystemClock() {
    Instant now = Instant.now();
    this.anchorNanoTime = System.nanoTime();
    this.anchorEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Override
  public long nowEpochNanos() {
    return anchorEpochNanos + (System.nanoTime() - anchorNanoTime);
  }

  @Override
  public String toString() {
    return "TraceClock.system()";
  }
}
