package io.fluxtrace.internal;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * The first phase of the tracer's shutdown: keep accepting and exporting until the tracer is quiescent (no span
 * open, nothing queued or in flight) and has stayed so, with nothing started, ended or recorded, for the quiet
 * period; or until the drain deadline. Meanwhile whatever waits in a pipeline is flushed, one flush at a time, so
 * that what a host finishes during its own graceful shutdown is delivered as it ends, not only at the end.
 *
 * <p>Polls on the export scheduler's clock (virtual in tests). Never errors: an unexpected failure ends the drain
 * early, as if the deadline had passed, and shutdown goes on.
 */
public final class ShutdownDrain {

  private static final long MIN_POLL_NANOS = Duration.ofMillis(10).toNanos();
  private static final long MAX_POLL_NANOS = Duration.ofMillis(50).toNanos();

  private final Scheduler timer;
  private final BooleanSupplier quiescent;
  private final LongSupplier activity;
  private final BooleanSupplier somethingQueued;
  private final Supplier<Mono<Boolean>> flush;
  private final long quietNanos;
  private final long pollNanos;
  private final long deadlineNanos;
  private final Sinks.One<Boolean> done = Sinks.one();

  private long quietSince = -1;
  private long lastActivity;
  private volatile boolean flushing;

  /**
   * @param quiescent whether no span is open and nothing is queued or in flight now
   * @param activity a number that changes whenever a span starts or ends or a score is recorded
   * @param somethingQueued whether a pipeline holds anything now, to be flushed
   * @param deadlineNanos on {@code timer}'s clock, when to stop waiting
   */
  public ShutdownDrain(Scheduler timer, BooleanSupplier quiescent, LongSupplier activity, BooleanSupplier somethingQueued,
      Supplier<Mono<Boolean>> flush, Duration quietPeriod, long deadlineNanos) {
    this.timer = timer;
    this.quiescent = quiescent;
    this.activity = activity;
    this.somethingQueued = somethingQueued;
    this.flush = flush;
    this.quietNanos = quietPeriod.toNanos();
    this.pollNanos = Math.max(MIN_POLL_NANOS, Math.min(MAX_POLL_NANOS, quietNanos / 4));
    this.deadlineNanos = deadlineNanos;
  }

  /** Starts draining; completes with true once quiescent for the quiet period, false at the deadline. */
  public Mono<Boolean> run() {
    schedule(0);
    return done.asMono();
  }

  private void schedule(long delayNanos) {
    try {
      timer.schedule(this::pollSafely, delayNanos, NANOSECONDS);
    } catch (RejectedExecutionException e) {
      done.tryEmitValue(false);
    }
  }

  private void pollSafely() {
    try {
      poll();
    } catch (Throwable t) {
      Exceptions.throwIfJvmFatal(t);
      done.tryEmitValue(false);
    }
  }

  /** Runs on the timer, one poll at a time (each schedules the next), so the fields need no synchronization. */
  private void poll() {
    long now = timer.now(NANOSECONDS);
    long act = activity.getAsLong();
    if (quiescent.getAsBoolean()) {
      if (quietSince < 0 || act != lastActivity) {
        quietSince = now;
        lastActivity = act;
      }
      if (now - quietSince >= quietNanos) {
        done.tryEmitValue(true);
        return;
      }
    } else {
      quietSince = -1;
      if (!flushing && somethingQueued.getAsBoolean()) {
        flushing = true;
        flush.get().subscribe(ignored -> {}, e -> flushing = false, () -> flushing = false);
      }
    }
    long left = deadlineNanos - now;
    if (left <= 0) {
      done.tryEmitValue(false);
      return;
    }
    long next = pollNanos;
    if (quietSince >= 0) {
      next = Math.min(next, Math.max(0, quietSince + quietNanos - now));
    }
    schedule(Math.min(next, left));
  }
}
