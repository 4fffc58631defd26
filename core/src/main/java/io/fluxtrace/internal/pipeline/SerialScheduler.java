package io.fluxtrace.internal.pipeline;

import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.Exceptions;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.concurrent.Queues;

/**
 * Runs its tasks one at a time, in the order they became due, on the threads of another scheduler, and tells time
 * by that scheduler's clock: the batcher's worker.
 *
 * <p>{@code Schedulers.single(scheduler)} would not do: it hands everything to one {@link Scheduler.Worker} of the
 * scheduler, and the workers of {@code Schedulers.fromExecutorService} or {@code fromExecutor} over a pool run
 * their tasks side by side (measured with reactor-core 3.8.7: 17,182 of 20,000 tasks overlapped another on a
 * four-thread pool), so a user's export scheduler could have put two threads in the batcher at once. Here one
 * worker of the scheduler only times the delayed and periodic tasks and starts the drain loop; whichever thread
 * makes the queue non-empty starts it, and the loop runs every task queued until the queue is empty (the
 * work-in-progress pattern of Reactor's own operators).
 */
final class SerialScheduler implements Scheduler {

  private static final Logger log = Loggers.getLogger(SerialScheduler.class);

  private final Scheduler clock;
  private final Worker timer;
  private final Queue<Task> queue = Queues.<Task>unboundedMultiproducer().get();
  private final AtomicInteger wip = new AtomicInteger();
  private volatile boolean disposed;

  SerialScheduler(Scheduler scheduler) {
    this.clock = scheduler;
    this.timer = scheduler.createWorker();
  }

  @Override
  public Disposable schedule(Runnable task) {
    return submit(new Task(task, false, null));
  }

  @Override
  public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
    return submit(new Task(task, false, null), delay, unit);
  }

  @Override
  public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
    return submitPeriodically(new Task(task, true, null), initialDelay, period, unit);
  }

  private Task submit(Task task) {
    enqueue(task);
    return task;
  }

  private Task submit(Task task, long delay, TimeUnit unit) {
    rejectIfDisposed();
    task.timer = timer.schedule(() -> enqueueQuietly(task), delay, unit);
    return task;
  }

  private Task submitPeriodically(Task task, long initialDelay, long period, TimeUnit unit) {
    // Each period queues a run of its own; a run still queued when the next period comes is not queued twice.
    rejectIfDisposed();
    task.timer = timer.schedulePeriodically(() -> {
      if (task.queued.compareAndSet(false, true)) {
        enqueueQuietly(task);
      }
    }, initialDelay, period, unit);
    return task;
  }

  @Override
  public long now(TimeUnit unit) {
    return clock.now(unit);
  }

  @Override
  public Worker createWorker() {
    return new SerialWorker();
  }

  /** Stops the timer and drops the tasks not run yet; later tasks are rejected. */
  @Override
  public void dispose() {
    disposed = true;
    timer.dispose();
    if (wip.getAndIncrement() == 0) {
      queue.clear();
      wip.set(0);
    }
  }

  @Override
  public boolean isDisposed() {
    return disposed;
  }

  private void rejectIfDisposed() {
    if (disposed) {
      throw Exceptions.failWithRejected();
    }
  }

  private void enqueue(Task task) {
    rejectIfDisposed();
    queue.offer(task);
    if (wip.getAndIncrement() == 0) {
      try {
        timer.schedule(this::drain);
      } catch (RejectedExecutionException e) {
        // The scheduler underneath is gone (its owner disposed it): nothing queued here can run any more, so
        // this one is disposed too, and every later task is rejected at once rather than queued for ever.
        disposed = true;
        queue.clear(); // this thread holds the right to drain
        throw e;
      }
    }
  }

  /** From a timer: nobody to throw to, and a rejection only means the scheduler was disposed meanwhile. */
  private void enqueueQuietly(Task task) {
    try {
      enqueue(task);
    } catch (RuntimeException e) {
      if (!disposed) {
        log.warn("fluxtrace: a timed task of the export worker could not be queued: {}", e.toString());
      }
    }
  }

  private void drain() {
    int missed = 1;
    do {
      Task task;
      while ((task = queue.poll()) != null) {
        if (disposed) {
          queue.clear();
        } else {
          task.runUnlessCancelled();
        }
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  /** A queued run of a task, which its caller may cancel until it starts. */
  private static final class Task implements Disposable {

    private final Runnable action;
    private final boolean periodic;
    final AtomicBoolean queued = new AtomicBoolean();
    volatile Disposable timer = Disposables.disposed();
    /** The worker that tracks this task, which forgets it once it ran or was cancelled. */
    private final Disposable.@Nullable Composite owner;
    private volatile boolean cancelled;

    Task(Runnable action, boolean periodic, Disposable.@Nullable Composite owner) {
      this.action = action;
      this.periodic = periodic;
      this.owner = owner;
    }

    void runUnlessCancelled() {
      if (periodic) {
        queued.set(false);
      }
      if (cancelled) {
        return;
      }
      try {
        action.run();
      } catch (Throwable t) {
        // The loop must go on for the tasks behind this one; the batcher's own tasks catch what they throw.
        Exceptions.throwIfJvmFatal(t);
        log.error("fluxtrace: a task of the export worker failed", t);
      } finally {
        if (!periodic) {
          forget();
        }
      }
    }

    @Override
    public void dispose() {
      cancelled = true;
      timer.dispose();
      forget();
    }

    private void forget() {
      Disposable.Composite tracked = owner;
      if (tracked != null) {
        tracked.remove(this);
      }
    }

    @Override
    public boolean isDisposed() {
      return cancelled;
    }
  }

  /** The tasks of one user of this scheduler (an operator's timer), disposed together. */
  private final class SerialWorker implements Worker {

    private final Disposable.Composite tasks = Disposables.composite();

    @Override
    public Disposable schedule(Runnable task) {
      return submit(track(new Task(task, false, tasks)));
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
      return submit(track(new Task(task, false, tasks)), delay, unit);
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
      return submitPeriodically(track(new Task(task, true, tasks)), initialDelay, period, unit);
    }

    /** Tracked before it is submitted, so that it cannot run, and be forgotten, before it is tracked. */
    private Task track(Task task) {
      if (!tasks.add(task)) {
        throw Exceptions.failWithRejected();
      }
      return task;
    }

    @Override
    public void dispose() {
      tasks.dispose();
    }

    @Override
    public boolean isDisposed() {
      return tasks.isDisposed();
    }
  }
}
