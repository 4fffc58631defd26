package io.fluxtrace.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.util.Loggers;

/**
 * The door's bounds, in the packed form (both counts in one word, every usual configuration) and in the two-counter
 * form (bounds too large to pack): an item enters only under both bounds, every refusal is counted, release gives the
 * room back exactly, and under many threads reserving and releasing at once the counts never pass the bounds.
 */
class AdmissionTest {

  /** A byte bound too large for the packed form. */
  private static final long HUGE = 1L << 50;

  private static Admission admission(int maxItems, long maxBytes, TracerMetrics metrics) {
    return new Admission(new PipelineOptions("items", maxItems, maxBytes, 1, 1, Duration.ofSeconds(1), 1,
        Duration.ofSeconds(1), null), metrics, Loggers.getLogger(AdmissionTest.class), Duration.ofMinutes(1));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void anItemEntersOnlyUnderBothBoundsAndEveryRefusalIsCounted(boolean packed) {
    long byteBound = packed ? 100 : HUGE;
    TracerMetrics metrics = new TracerMetrics();
    Admission door = admission(3, byteBound, metrics);

    assertThat(door.tryAdmit(byteBound + 1)).as("larger than the byte bound").isFalse();
    assertThat(door.tryAdmit(byteBound - 10)).isTrue();
    assertThat(door.tryAdmit(11)).as("one byte over").isFalse();
    assertThat(door.tryAdmit(10)).as("exactly at the byte bound").isTrue();
    assertThat(door.items()).isEqualTo(2);
    assertThat(door.bytes()).isEqualTo(byteBound);
    assertThat(door.refuseIfFull()).isTrue();

    door.release(2, byteBound);
    assertThat(door.items()).isZero();
    assertThat(door.bytes()).isZero();
    assertThat(door.refuseIfFull()).isFalse();
    for (int i = 0; i < 3; i++) {
      assertThat(door.tryAdmit(0)).isTrue();
    }
    assertThat(door.tryAdmit(0)).as("the item bound").isFalse();
    assertThat(door.items()).isEqualTo(3);
    assertThat(door.bytes()).isZero();
    assertThat(metrics.droppedQueueFull.sum()).isEqualTo(4);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void manyThreadsReservingAndReleasingNeverPassTheBounds(boolean packed) throws Exception {
    int maxItems = 64;
    long maxBytes = packed ? 10_000 : HUGE;
    long itemBytes = packed ? 400 : HUGE / 40; // the byte bound binds before the item bound
    TracerMetrics metrics = new TracerMetrics();
    Admission door = admission(maxItems, maxBytes, metrics);
    int threads = 8;
    int perThread = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      AtomicBoolean running = new AtomicBoolean(true);
      Future<Long> watcher = pool.submit(() -> {
        long reads = 0;
        while (running.get()) {
          assertThat(door.items()).isBetween(0L, (long) maxItems);
          assertThat(door.bytes()).isBetween(0L, maxBytes);
          reads++;
        }
        return reads;
      });
      CyclicBarrier go = new CyclicBarrier(threads);
      List<Future<long[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          go.await();
          long admitted = 0;
          long refused = 0;
          for (int i = 0; i < perThread; i++) {
            long size = ThreadLocalRandom.current().nextLong(itemBytes + 1);
            if (door.tryAdmit(size)) {
              admitted++;
              door.release(1, size);
            } else {
              refused++;
            }
          }
          return new long[] {admitted, refused};
        }));
      }
      long refused = 0;
      long admitted = 0;
      for (Future<long[]> f : results) {
        long[] r = f.get(60, TimeUnit.SECONDS);
        admitted += r[0];
        refused += r[1];
      }
      running.set(false);
      assertThat(watcher.get(60, TimeUnit.SECONDS)).isPositive();
      assertThat(admitted + refused).isEqualTo((long) threads * perThread);
      assertThat(admitted).isPositive();
      assertThat(metrics.droppedQueueFull.sum()).isEqualTo(refused);
      assertThat(door.items()).isZero();
      assertThat(door.bytes()).isZero();
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
