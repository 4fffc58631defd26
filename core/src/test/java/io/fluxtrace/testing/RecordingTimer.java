package io.fluxtrace.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * A virtual-time scheduler that also records every delay it is asked to wait, so that a test can wait until
 * the sender has decided to back off (its I/O runs in real time), check the delay exactly, then advance time.
 */
public final class RecordingTimer implements Scheduler {

  private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
  private final LinkedBlockingQueue<Duration> delays = new LinkedBlockingQueue<>();

  /** Waits until a delay has been scheduled and returns it, oldest first. */
  public Duration awaitDelay() {
    await().atMost(Duration.ofSeconds(10)).until(() -> !delays.isEmpty());
    Duration next = delays.poll();
    if (next == null) {
      throw new IllegalStateException("delay vanished");
    }
    return next;
  }

  /** The delays scheduled and not yet taken by {@link #awaitDelay()}. */
  public int pendingDelays() {
    return delays.size();
  }

  /** Moves virtual time forward, running what fell due, on the calling thread. */
  public void advance(Duration by) {
    time.advanceTimeBy(by);
  }

  @Override
  public Disposable schedule(Runnable task) {
    return time.schedule(task);
  }

  /**
   * Records the delay only once the task is on the virtual clock: recorded first, a test that saw the delay could
   * advance the clock before the task was on it, and the task would then fall due one delay after the advance.
   */
  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    Disposable scheduled = time.schedule(task, delay, unit);
    delays.add(Duration.ofNanos(unit.toNanos(delay)));
    return scheduled;
  }

  @Override
  public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
    return time.schedulePeriodically(task, initialDelay, period, unit);
  }

  @Override
  public long now(TimeUnit unit) {
    return time.now(unit);
  }

  @Override
  public Worker createWorker() {
    return time.createWorker();
  }

  @Override
  public void dispose() {
    time.dispose();
  }
}
