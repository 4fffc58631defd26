package io.fluxtrace.experiments.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.experiments.Progress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

class ProgressTrackerTest {

  @Test
  void reportsNeverOverlapAndTheLastOneComesOnceAndLast() {
    List<Progress> reports = new CopyOnWriteArrayList<>();
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    ProgressTracker tracker = new ProgressTracker("run", progress -> {
      if (inside.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      reports.add(progress);
      inside.decrementAndGet();
    }, Duration.ZERO);
    tracker.total(20_000);

    Flux.range(0, 20_000).parallel(4).runOn(Schedulers.parallel())
        .doOnNext(i -> tracker.itemDone(i % 10 == 0))
        .sequential()
        .blockLast(Duration.ofMinutes(1));
    tracker.finish();
    tracker.finish();

    assertThat(overlaps).hasValue(0);
    assertThat(reports).isNotEmpty();
    assertThat(reports.stream().filter(Progress::finished)).hasSize(1);
    Progress last = reports.get(reports.size() - 1);
    assertThat(last.finished()).isTrue();
    assertThat(last.done()).isEqualTo(20_000);
    assertThat(last.errors()).isEqualTo(2_000);
    assertThat(last.total()).isEqualTo(20_000);
  }

  @Test
  void theLastReportDueDuringAnotherIsDeliveredByTheThreadThatHeldIt() throws Exception {
    CountDownLatch inListener = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Progress> reports = new CopyOnWriteArrayList<>();
    ProgressTracker tracker = new ProgressTracker("run", progress -> {
      reports.add(progress);
      if (!progress.finished()) {
        inListener.countDown();
        try {
          release.await(1, TimeUnit.MINUTES); // a plain thread, not a Reactor one: waiting is allowed here
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }, Duration.ZERO);
    tracker.total(1);
    Thread reporter = new Thread(() -> tracker.itemDone(false), "reporter");
    reporter.start();
    assertThat(inListener.await(1, TimeUnit.MINUTES)).isTrue();

    tracker.finish(); // returns at once: the reporter holds the report lock
    assertThat(reports).hasSize(1);
    release.countDown();
    reporter.join(TimeUnit.MINUTES.toMillis(1));

    assertThat(reports).hasSize(2);
    assertThat(reports.get(1).finished()).isTrue();
    assertThat(reports.get(1).done()).isEqualTo(1);
  }

  @Test
  void aListenerThatThrowsIsIgnored() {
    AtomicInteger calls = new AtomicInteger();
    ProgressTracker tracker = new ProgressTracker("run", progress -> {
      calls.incrementAndGet();
      throw new IllegalStateException("listener bug");
    }, Duration.ZERO);

    tracker.itemDone(false);
    tracker.itemDone(true);
    tracker.finish();

    assertThat(calls).hasValue(3);
    assertThat(tracker.done()).isEqualTo(2);
  }
}
