package io.fluxtrace.experiments.internal;

import io.fluxtrace.experiments.Progress;
import io.fluxtrace.experiments.ProgressListener;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Counts finished items and reports {@link Progress} to the listener at most once per interval, plus a last
 * report. Reports are never concurrent, and nothing here ever waits for a lock (this runs on Reactor's
 * non-blocking threads): a report due while another is being delivered is skipped (the next item brings a fresher
 * one), and the last report, if another is being delivered, is delivered by that thread once it is done.
 */
final class ProgressTracker {

  private final Logger log = Loggers.getLogger(ProgressTracker.class);
  private final String runName;
  private final ProgressListener listener;
  private final long intervalNanos;
  private final long startNanos = System.nanoTime();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong total = new AtomicLong(-1);
  private final AtomicLong nextReportNanos;
  private final ReentrantLock reporting = new ReentrantLock();
  private final AtomicBoolean listenerFailureLogged = new AtomicBoolean();
  private final AtomicBoolean finishPending = new AtomicBoolean();
  /** Guarded by {@link #reporting}. */
  private boolean finalReported;

  ProgressTracker(String runName, ProgressListener listener, Duration interval) {
    this.runName = runName;
    this.listener = listener;
    this.intervalNanos = interval.toNanos();
    this.nextReportNanos = new AtomicLong(startNanos + intervalNanos);
  }

  /** Sets the total number of items (-1 for unknown). */
  void total(long items) {
    total.set(items);
  }

  /** Takes items off the total that will not run (archived dataset items). */
  void skipped(long items) {
    total.updateAndGet(t -> t < 0 ? t : Math.max(0, t - items));
  }

  long done() {
    return done.get();
  }

  void itemDone(boolean failed) {
    done.incrementAndGet();
    if (failed) {
      errors.incrementAndGet();
    }
    long now = System.nanoTime();
    long due = nextReportNanos.get();
    if (now - due >= 0 && nextReportNanos.compareAndSet(due, now + intervalNanos) && reporting.tryLock()) {
      try {
        if (!finalReported) {
          report(now, false);
        }
      } finally {
        reporting.unlock();
      }
      reportFinalIfPending();
    }
  }

  /** The last report, once every item is done. */
  void finish() {
    finishPending.set(true);
    reportFinalIfPending();
  }

  /**
   * Delivers the last report unless another thread is delivering one; that thread then calls this again after
   * releasing the lock, and sees the pending flag, which was set before this thread's failed attempt.
   */
  private void reportFinalIfPending() {
    if (finishPending.get() && reporting.tryLock()) {
      try {
        if (!finalReported) {
          finalReported = true;
          report(System.nanoTime(), true);
        }
      } finally {
        reporting.unlock();
      }
    }
  }

  private void report(long now, boolean finished) {
    long d = done.get();
    long t = finished ? d : total.get();
    double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
    double rate = d / seconds;
    Duration eta = t >= 0 && rate > 0 ? Duration.ofMillis((long) ((t - d) / rate * 1000)) : null;
    try {
      listener.onProgress(new Progress(runName, d, t, errors.get(), rate, eta, finished));
    } catch (Throwable e) {
      if (listenerFailureLogged.compareAndSet(false, true)) {
        log.warn("fluxtrace: the experiment progress listener threw {}; ignored (logged once)", e.toString());
      }
    }
  }
}
