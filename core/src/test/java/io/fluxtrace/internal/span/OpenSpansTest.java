package io.fluxtrace.internal.span;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.ObservationType;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import io.fluxtrace.TraceIds;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The open-span registry: exact under concurrent starts and ends from many threads (including spans ended on
 * another thread than the one that started them), every collected span that never ended counted once as abandoned,
 * ended spans never counted, shutdown's snapshot complete while other threads start and end spans, and the lists
 * bounded by what is open.
 */
class OpenSpansTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int THREADS = 8;

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
  private final OpenSpans open = new OpenSpans();

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  private static RecordingSpan span() {
    return new RecordingSpan(NO_LISTENER, TraceClock.system(), TraceIds.newTraceId(), TraceIds.newSpanId(), null,
        false, "s", ObservationType.SPAN, 1, TraceAttributes.EMPTY);
  }

  private static final SpanEndListener NO_LISTENER = new SpanEndListener() {
    @Override
    public void onEnd(RecordingSpan span) {}

    @Override
    public void onMutationAfterEnd() {}
  };

  @Test
  void startsAndEndsFromManyThreadsLeaveExactlyTheOpenOnes() throws Exception {
    int perThread = 5_000;
    CyclicBarrier go = new CyclicBarrier(THREADS);
    List<OpenSpans.Node> endedElsewhere = Collections.synchronizedList(new ArrayList<>());
    // Their owners hold the spans until they end them (a span collected before its end is abandoned).
    List<RecordingSpan> owned = Collections.synchronizedList(new ArrayList<>());
    List<Future<List<RecordingSpan>>> kept = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      kept.add(pool.submit(() -> {
        go.await();
        List<RecordingSpan> stillOpen = new ArrayList<>();
        for (int i = 0; i < perThread; i++) {
          RecordingSpan s = span();
          OpenSpans.Node node = open.add(s);
          if (i % 3 == 0) {
            stillOpen.add(s); // stays open
          } else if (i % 3 == 1) {
            open.remove(node); // ends at once, on this thread
            Reference.reachabilityFence(s);
          } else {
            owned.add(s);
            endedElsewhere.add(node); // ends later, on other threads
          }
        }
        return stillOpen;
      }));
    }
    Set<RecordingSpan> expected = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Future<List<RecordingSpan>> f : kept) {
      expected.addAll(f.get(30, TimeUnit.SECONDS));
    }
    assertThat(expected).hasSize(THREADS * ((perThread + 2) / 3));
    // Every registration counted, by the compare-and-set that linked it.
    assertThat(open.started()).isEqualTo((long) THREADS * perThread);
    // The spans handed over are open until other threads end them.
    assertThat(open.open()).isEqualTo(expected.size() + endedElsewhere.size());
    List<OpenSpans.Node> toEnd = List.copyOf(endedElsewhere);
    int half = toEnd.size() / 2;
    Future<?> first = pool.submit(() -> toEnd.subList(0, half).forEach(open::remove));
    Future<?> second = pool.submit(() -> toEnd.subList(half, toEnd.size()).forEach(open::remove));
    first.get(30, TimeUnit.SECONDS);
    second.get(30, TimeUnit.SECONDS);

    Reference.reachabilityFence(owned);
    assertThat(open.open()).isEqualTo(expected.size());
    List<RecordingSpan> snapshot = open.snapshot();
    assertThat(snapshot).hasSize(expected.size());
    assertThat(snapshot).allMatch(expected::contains);
    assertThat(open.abandoned()).isZero();
  }

  @Test
  void snapshotSeesEverySpanOpenBeforeItWhileOtherThreadsStartAndEndSpans() throws Exception {
    List<RecordingSpan> longLived = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      RecordingSpan s = span();
      open.add(s);
      longLived.add(s);
    }
    AtomicBoolean running = new AtomicBoolean(true);
    CountDownLatch started = new CountDownLatch(THREADS - 1);
    List<Future<Long>> churn = new ArrayList<>();
    for (int t = 0; t < THREADS - 1; t++) {
      churn.add(pool.submit(() -> {
        long count = 0;
        started.countDown();
        while (running.get() || count < 50_000) {
          // Short spans: started and ended at once, so the sweeps run all the time. Held until ended, as the span's
          // owner holds it: a span collected before its end would rightly count as abandoned.
          RecordingSpan s = span();
          open.remove(open.add(s));
          Reference.reachabilityFence(s);
          count++;
        }
        return count;
      }));
    }
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    try {
      for (int round = 0; round < 50; round++) {
        Set<RecordingSpan> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(open.snapshot());
        assertThat(seen).containsAll(longLived);
        assertThat(open.open()).isGreaterThanOrEqualTo(longLived.size());
      }
    } finally {
      running.set(false);
    }
    for (Future<Long> f : churn) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(50_000);
    }
    assertThat(open.open()).isEqualTo(longLived.size());
    assertThat(open.abandoned()).isZero();
    long churned = 0;
    for (Future<Long> f : churn) {
      churned += f.get();
    }
    assertThat(open.started()).isEqualTo(longLived.size() + churned);
  }

  @Test
  void collectedSpansThatNeverEndedAreCountedOnceAsAbandoned() {
    int abandonedSpans = 1_000;
    List<RecordingSpan> keep = new ArrayList<>();
    for (int i = 0; i < abandonedSpans; i++) {
      open.add(span()); // never ended, nothing holds it
      RecordingSpan ended = span();
      open.remove(open.add(ended)); // ended: never abandoned, even once collected
      Reference.reachabilityFence(ended); // held until its end, as its owner holds it
      RecordingSpan held = span();
      open.add(held);
      keep.add(held); // open and reachable: neither
    }
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
      System.gc();
      return open.open() == keep.size() && open.abandoned() == abandonedSpans;
    });
    // Counted once: further sweeps find nothing new.
    System.gc();
    assertThat(open.expunge()).isZero();
    assertThat(open.open()).isEqualTo(keep.size());
    assertThat(open.abandoned()).isEqualTo(abandonedSpans);
    assertThat(open.snapshot()).hasSize(keep.size());
  }

  @Test
  void spansEndedAtOnceLeaveTheListsBounded() {
    List<RecordingSpan> held = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      RecordingSpan s = span();
      open.add(s);
      held.add(s);
    }
    for (int i = 0; i < 200_000; i++) {
      RecordingSpan s = span();
      open.remove(open.add(s));
      Reference.reachabilityFence(s);
    }
    // One thread uses one stripe: its hot-path sweeps alone keep it to the open spans, the nodes pushed since the
    // last sweep and those the sweep has not reached yet.
    assertThat(open.linked()).isLessThan(3 * held.size() + 2 * OpenSpans.SWEEP_STEP);
    assertThat(open.open()).isEqualTo(held.size());
    assertThat(open.linked()).isLessThanOrEqualTo(held.size() + 1); // after a full sweep: the open ones and the head
  }

  @Test
  void aSnapshotOfNothingIsEmpty() {
    assertThat(open.snapshot()).isEmpty();
    assertThat(open.open()).isZero();
    assertThat(open.expunge()).isZero();
  }
}
