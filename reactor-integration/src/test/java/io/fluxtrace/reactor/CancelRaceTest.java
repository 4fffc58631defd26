package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.SpanData;
import io.fluxtrace.TracerStats;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.publisher.TestPublisher;
import reactor.test.util.RaceTestUtils;

/**
 * A cancel from another thread races with elements and values: every span still ends exactly once, with an output
 * that is a consistent prefix of what was emitted, and nothing is changed after the end.
 */
class CancelRaceTest {

  private static final int ROUNDS = 2_000;
  private static final Integer[] ELEMENTS = IntStream.rangeClosed(2, 20).boxed().toArray(Integer[]::new);
  /** "[]", "[1]", "[1,2]", ... "[1,...,20]": the only outputs a consistent aggregation can end with. */
  private static final List<String> PREFIXES = IntStream.rangeClosed(0, 20)
      .mapToObj(n -> IntStream.rangeClosed(1, n).mapToObj(String::valueOf).collect(Collectors.joining(",", "[", "]")))
      .toList();

  private static volatile int sink;

  private final TracingFixture fx = TracingFixture.create();

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void fluxElementsRacingACancel() {
    for (int round = 0; round < ROUNDS; round++) {
      TestPublisher<Integer> source = TestPublisher.create();
      BaseSubscriber<Integer> subscriber = new BaseSubscriber<>() {};
      source.flux()
          .transform(fx.tracing.generation("stream")
              .flux(Collectors.mapping(CancelRaceTest::slowIdentity, Collectors.toList())))
          .subscribe(subscriber);
      RaceTestUtils.race(() -> source.next(1, ELEMENTS), subscriber::cancel);
    }

    List<SpanData> spans = fx.spans();
    assertThat(spans).hasSize(ROUNDS)
        .allSatisfy(s -> assertThat(s.level()).isEqualTo(ObservationLevel.WARNING))
        .allSatisfy(s -> assertThat(PREFIXES).contains(s.output()));
    assertEndedOnceEach(ROUNDS);
  }

  @Test
  void aCancelArrivingWhileAnElementIsObservedLeavesTheEndToTheObservingThread() {
    BaseSubscriber<Integer> subscriber = new BaseSubscriber<>() {};
    Flux.range(1, 5)
        .transform(fx.tracing.generation("stream")
            .usage((Integer i) -> {
              if (i == 2) {
                subscriber.cancel(); // as if another thread cancelled right now
              }
              return null;
            })
            .flux(Collectors.toList()))
        .subscribe(subscriber);

    SpanData span = fx.span("stream");
    assertThat(span.level()).isEqualTo(ObservationLevel.WARNING);
    assertThat(span.output()).isEqualTo("[1,2]");
    assertEndedOnceEach(1);
  }

  @Test
  void aMonoValueRacingACancel() {
    for (int round = 0; round < ROUNDS; round++) {
      TestPublisher<Integer> source = TestPublisher.create();
      BaseSubscriber<Integer> subscriber = new BaseSubscriber<>() {};
      source.mono().transform(fx.tracing.tool("call").mono()).subscribe(subscriber);
      RaceTestUtils.race(() -> source.emit(7), subscriber::cancel);
    }

    assertThat(fx.spans()).hasSize(ROUNDS).allSatisfy(s -> {
      if (s.level() == ObservationLevel.WARNING) {
        assertThat(s.output()).isNull();
      } else {
        assertThat(s.level()).isEqualTo(ObservationLevel.DEFAULT);
        assertThat(s.output()).isEqualTo("7");
      }
    });
    assertEndedOnceEach(ROUNDS);
  }

  /** Some work per element, so that a cancel often lands while an element is being aggregated. */
  private static Integer slowIdentity(Integer i) {
    String s = String.valueOf(i);
    int hash = 0;
    for (int k = 0; k < 40; k++) {
      hash += s.repeat(k % 7 + 1).hashCode();
    }
    sink = hash;
    return i;
  }

  private void assertEndedOnceEach(int spans) {
    TracerStats stats = fx.tracer.stats();
    assertThat(stats.spansStarted()).isEqualTo(spans);
    assertThat(stats.spansEnded()).isEqualTo(spans);
    assertThat(stats.mutationsAfterEnd()).isZero();
    assertThat(fx.tracing.functionFailures()).isZero();
  }
}
