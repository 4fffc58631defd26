package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.ScoreDataType;
import io.fluxtrace.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Scores of the current observation and trace, read from the Reactor Context. */
class ReactorScoresTest {

  private static final String REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void scoresTheObservationOfTheInnermostTracedStep() {
    Mono<String> answer = Mono.just("42")
        .flatMap(a -> tracing.scoreObservation(() -> Score.numeric("groundedness", 0.75).comment("judge"))
            .thenReturn(a))
        .transform(tracing.generation("answer").mono())
        .transform(tracing.chain("rag").mono());

    StepVerifier.create(answer).expectNext("42").verifyComplete();

    SpanData generation = fx.span("answer");
    ScoreData score = single(fx.scores());
    assertThat(score.name()).isEqualTo("groundedness");
    assertThat(score.numericValue()).isEqualTo(0.75);
    assertThat(score.comment()).isEqualTo("judge");
    assertThat(score.traceId()).isEqualTo(generation.traceId());
    assertThat(score.observationId()).isEqualTo(generation.spanId());
  }

  @Test
  void scoresAStreamingStepFromInsideItWhenTheStreamCompletes() {
    // No .then(Mono.empty()): the score Mono takes the stream's element type.
    Flux<String> answer = Flux.just("Hel", "lo")
        .concatWith(tracing.scoreObservation(() -> Score.bool("finished", true)))
        .transform(tracing.generation("answer").flux(Collectors.joining()))
        .transform(tracing.chain("rag").flux());

    StepVerifier.create(answer).expectNext("Hel", "lo").verifyComplete();

    SpanData generation = fx.span("answer");
    assertThat(generation.output()).isEqualTo("\"Hello\"");
    ScoreData score = single(fx.scores());
    assertThat(score.name()).isEqualTo("finished");
    assertThat(score.observationId()).isEqualTo(generation.spanId());
    assertThat(score.traceId()).isEqualTo(generation.traceId());
  }

  @Test
  void scoresTheTraceOfTheInnermostTracedStep() {
    Mono<String> answer = Mono.just("ok")
        .flatMap(a -> tracing.scoreTrace(() -> Score.bool("resolved", true)).thenReturn(a))
        .transform(tracing.tool("lookup").mono())
        .transform(tracing.agent("root").mono());

    StepVerifier.create(answer).expectNext("ok").verifyComplete();

    ScoreData score = single(fx.scores());
    assertThat(score.traceId()).isEqualTo(fx.span("root").traceId());
    assertThat(score.observationId()).isNull();
    assertThat(score.dataType()).isEqualTo(ScoreDataType.BOOLEAN);
  }

  @Test
  void scoresTheRemoteCallersTraceJoinedWithTraceparent() {
    Mono<Void> feedback = tracing.<Void>scoreTrace(() -> Score.categorical("tone", "calm"))
        .contextWrite(TraceContext.traceparent("00-" + REMOTE_TRACE + "-00f067aa0ba902b7-01"));

    StepVerifier.create(feedback).verifyComplete();

    assertThat(single(fx.scores()).traceId()).isEqualTo(REMOTE_TRACE);
  }

  @Test
  void concurrentRequestsEachScoreTheirOwnObservationAcrossThreadHops() {
    int requests = 300;
    Flux<Integer> all = Flux.range(0, requests)
        .flatMap(i -> Mono.just(i)
            .publishOn(Schedulers.parallel())
            .delayElement(Duration.ofMillis(i % 7))
            .flatMap(v -> tracing.scoreObservation(() -> Score.numeric("request", v)).thenReturn(v))
            .publishOn(Schedulers.boundedElastic())
            .transform(tracing.span("handle").input(i).mono())
            .subscribeOn(Schedulers.parallel()), 64);

    StepVerifier.create(all.then()).verifyComplete();

    List<ScoreData> scores = fx.scores();
    Map<String, SpanData> spansById = fx.spans().stream().collect(Collectors.toMap(SpanData::spanId,
        Function.identity()));
    assertThat(scores).hasSize(requests);
    for (ScoreData score : scores) {
      SpanData span = Objects.requireNonNull(spansById.get(score.observationId()), "span of " + score);
      int request = Objects.requireNonNull(score.numericValue()).intValue();
      assertThat(span.traceId()).isEqualTo(score.traceId());
      assertThat(span.input()).as("the span of request %s", request).isEqualTo(String.valueOf(request));
    }
  }

  @Test
  void scoringOutsideEveryTracedStepErrorsClearly() {
    StepVerifier.create(tracing.scoreObservation(() -> Score.numeric("n", 1)))
        .expectErrorSatisfies(e -> assertThat(e)
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("no current observation"))
        .verify();
    StepVerifier.create(tracing.scoreTrace(() -> Score.numeric("n", 1)))
        .expectErrorSatisfies(e -> assertThat(e)
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("no current trace"))
        .verify();
  }

  @Test
  void anInvalidScoreErrorsWithTheFieldItBreaks() {
    Mono<String> answer = Mono.just("a")
        .flatMap(a -> tracing.scoreObservation(() -> Score.bool("helpful", 2)).thenReturn(a))
        .transform(tracing.span("step").mono());

    StepVerifier.create(answer)
        .expectErrorSatisfies(e -> assertThat(e)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("score value must be 0 or 1"))
        .verify();
  }

  @Test
  void eachSubscriptionRecordsItsOwnScore() {
    Mono<Void> score = tracing.scoreObservation(() -> Score.text("note", "again"));
    Mono<Void> twice = score.then(score).transform(tracing.span("step").mono());

    StepVerifier.create(twice).verifyComplete();

    List<ScoreData> scores = fx.scores();
    assertThat(scores).hasSize(2);
    assertThat(scores.get(0).id()).isNotEqualTo(scores.get(1).id());
  }

  @Test
  void scoresFromAContextViewInsideHandle() {
    Flux<Integer> stream = Flux.range(1, 3)
        .<Integer>handle((i, sink) -> {
          tracing.scoreObservation(sink.contextView(), Score.numeric("chunk", i));
          sink.next(i);
        })
        .transform(tracing.span("stream").flux());

    StepVerifier.create(stream).expectNext(1, 2, 3).verifyComplete();

    String spanId = fx.span("stream").spanId();
    assertThat(fx.scores()).hasSize(3).allSatisfy(s -> assertThat(s.observationId()).isEqualTo(spanId));
  }

  @Test
  void nothingIsRecordedOrComputedWhenTheTraceIsSampledOut() {
    try (TracingFixture sampledOut = TracingFixture.sampled(0.0)) {
      AtomicInteger computed = new AtomicInteger();
      Mono<String> answer = Mono.just("a")
          .flatMap(a -> sampledOut.tracing.scoreObservation(() -> {
            computed.incrementAndGet();
            return Score.numeric("n", 1);
          }).thenReturn(a))
          .transform(sampledOut.tracing.span("step").mono());

      StepVerifier.create(answer).expectNext("a").verifyComplete();

      assertThat(sampledOut.scores()).isEmpty();
      assertThat(computed).hasValue(0);
    }
  }

  @Test
  void aDisabledTracerNeitherComputesNorRecordsAScore() {
    ReactorTracing disabled = ReactorTracing.create(FluxTracer.disabled());
    AtomicInteger computed = new AtomicInteger();

    StepVerifier.create(disabled.scoreTrace(() -> {
      computed.incrementAndGet();
      return Score.numeric("n", 1);
    })).verifyComplete();

    assertThat(computed).hasValue(0);
  }

  private static ScoreData single(List<ScoreData> scores) {
    assertThat(scores).hasSize(1);
    return scores.get(0);
  }
}
