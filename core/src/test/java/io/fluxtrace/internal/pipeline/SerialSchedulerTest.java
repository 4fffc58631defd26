package io.fluxtrace.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The batcher's worker: one task at a time, in order, whatever the scheduler under it lets its workers do. */
@Timeout(60)
class SerialSchedulerTest {

  private final ExecutorService pool = Executors.newScheduledThreadPool(4);
  private final List<Disposable> toDispose = new ArrayList<>();

  @AfterEach
  void stop() {
    toDispose.forEach(Disposable::dispose);
    pool.shutdownNow();
  }

  static Stream<Function<ExecutorService, Scheduler>> schedulers() {
    return Stream.of(Schedulers::fromExecutorService, Schedulers::fromExecutor,
        ignored -> Schedulers.newParallel("serial-test", 4));
  }

  @ParameterizedTest
  @MethodSource("schedulers")
  void tasksSubmittedFromManyThreadsRunOneAtATimeInTheOrderOfEachSubmitter(
      Function<ExecutorService, Scheduler> base) throws InterruptedException {
    SerialScheduler serial = serial(base.apply(pool));
    int submitters = 4;
    int perSubmitter = 5_000;
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    List<List<Integer>> ran = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(submitters * perSubmitter);
    Scheduler threads = Schedulers.newParallel("submitter", submitters);
    toDispose.add(threads);
    for (int s = 0; s < submitters; s++) {
      List<Integer> order = new ArrayList<>(); // only touched by the serial tasks
      ran.add(order);
      threads.schedule(() -> {
        for (int i = 0; i < perSubmitter; i++) {
          int n = i;
          serial.schedule(() -> {
            if (inside.incrementAndGet() > 1) {
              overlaps.incrementAndGet();
            }
            order.add(n);
            inside.decrementAndGet();
            done.countDown();
          });
        }
      });
    }

    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(overlaps).hasValue(0);
    for (List<Integer> order : ran) {
      assertThat(order).hasSize(perSubmitter).isSorted();
    }
  }

  @Test
  void delayedAndPeriodicTasksFollowTheSchedulersClockAndCanBeCancelled() {
    VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    toDispose.add(clock);
    SerialScheduler serial = serial(clock);
    List<String> ran = new ArrayList<>();

    serial.schedule(() -> ran.add("late"), 10, TimeUnit.SECONDS);
    Disposable cancelled = serial.schedule(() -> ran.add("cancelled"), 5, TimeUnit.SECONDS);
    Disposable tick = serial.schedulePeriodically(() -> ran.add("tick"), 3, 3, TimeUnit.SECONDS);
    cancelled.dispose();
    clock.advanceTimeBy(Duration.ofSeconds(9));
    tick.dispose();
    clock.advanceTimeBy(Duration.ofSeconds(10));

    assertThat(ran).containsExactly("tick", "tick", "tick", "late");
    assertThat(serial.now(TimeUnit.SECONDS)).isEqualTo(19);
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheTasksBehindIt() {
    SerialScheduler serial = serial(Schedulers.fromExecutorService(pool));
    ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();

    serial.schedule(() -> {
      throw new IllegalStateException("a task's bug");
    });
    serial.schedule(() -> ran.add("after"));

    await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("after"));
  }

  @Test
  void afterDisposalNothingRunsAndNewTasksAreRejected() {
    VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    toDispose.add(clock);
    SerialScheduler serial = serial(clock);
    List<String> ran = new ArrayList<>();
    serial.schedule(() -> ran.add("delayed"), 1, TimeUnit.SECONDS);
    serial.schedulePeriodically(() -> ran.add("tick"), 1, 1, TimeUnit.SECONDS);

    serial.dispose();
    clock.advanceTimeBy(Duration.ofSeconds(5));

    assertThat(ran).isEmpty();
    assertThat(serial.isDisposed()).isTrue();
    assertThatThrownBy(() -> serial.schedule(() -> ran.add("late"))).isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void whenTheSchedulerUnderneathIsDisposedTasksAreRejectedNotQueuedForEver() {
    Scheduler base = Schedulers.newSingle("serial-test-base");
    SerialScheduler serial = serial(base);
    base.dispose();

    assertThatThrownBy(() -> serial.schedule(() -> {})).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> serial.schedule(() -> {})).isInstanceOf(RejectedExecutionException.class);
    assertThat(serial.isDisposed()).isTrue();
  }

  @Test
  void aWorkerCancelsItsOwnTasksOnly() {
    VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    toDispose.add(clock);
    SerialScheduler serial = serial(clock);
    Scheduler.Worker worker = serial.createWorker();
    List<String> ran = new ArrayList<>();
    worker.schedule(() -> ran.add("worker's"), 1, TimeUnit.SECONDS);
    serial.schedule(() -> ran.add("scheduler's"), 1, TimeUnit.SECONDS);

    worker.dispose();
    clock.advanceTimeBy(Duration.ofSeconds(1));

    assertThat(ran).containsExactly("scheduler's");
    assertThatThrownBy(() -> worker.schedule(() -> ran.add("late"))).isInstanceOf(RejectedExecutionException.class);
  }

  private SerialScheduler serial(Scheduler base) {
    toDispose.add(base);
    SerialScheduler serial = new SerialScheduler(base);
    toDispose.add(serial);
    return serial;
  }
}
