package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.TraceIds;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The sampled-out path after its slimming (the non-recording root carried by a Context-only subscriber, the
 * upstream Context made when first read): every step inside a sampled-out root learns the decision from the
 * Context, wherever it runs, and sees the root's trace id; a traceparent sent from inside carries it with
 * sampled=0; signals, including a cancel, pass through unchanged; each subscription is a new trace.
 */
class SampledOutPathTest {

  @Test
  void stepsInsideASampledOutRootAgreeAndPropagateItsTraceIdUnsampled() {
    try (TracingFixture fx = TracingFixture.sampled(0.0)) {
      ReactorTracing t = fx.tracing;
      Mono<List<String>> request = Mono.zip(
              TraceContext.currentTraceparent()
                  .transform(t.tool("a").mono())
                  .publishOn(Schedulers.parallel()),
              TraceContext.currentTraceparent()
                  .subscribeOn(Schedulers.boundedElastic())
                  .transform(t.retriever("b").mono()),
              TraceContext.currentTraceId())
          .map(r -> List.of(r.getT1(), r.getT2(), r.getT3()))
          .transform(t.chain("root").mono());

      List<String> first = Objects.requireNonNull(request.block(Duration.ofSeconds(30)));
      List<String> second = Objects.requireNonNull(request.block(Duration.ofSeconds(30)));
      String traceId = first.get(2);
      assertThat(TraceIds.isValidTraceId(traceId)).isTrue();
      assertThat(first.get(0)).matches("00-" + traceId + "-[0-9a-f]{16}-00");
      assertThat(first.get(1)).matches("00-" + traceId + "-[0-9a-f]{16}-00");
      // Each subscription decides anew: a new trace.
      assertThat(second.get(2)).isNotEqualTo(traceId);
      assertThat(fx.spans()).isEmpty();
      assertThat(fx.tracer.stats().spansStarted()).isZero();
    }
  }

  @Test
  void signalsAndCancelPassThroughTheSampledOutRoot() {
    try (TracingFixture fx = TracingFixture.sampled(0.0)) {
      AtomicBoolean cancelled = new AtomicBoolean();
      StepVerifier.create(Flux.range(1, 100)
              .doOnCancel(() -> cancelled.set(true))
              .transform(fx.tracing.span("stream").flux()), 0)
          .thenRequest(2)
          .expectNext(1, 2)
          .thenCancel()
          .verify(Duration.ofSeconds(30));
      assertThat(cancelled).isTrue();
      IllegalStateException failure = new IllegalStateException("boom");
      StepVerifier.create(Mono.<String>error(failure).transform(fx.tracing.span("fails").mono()))
          .expectErrorSatisfies(e -> assertThat(e).isSameAs(failure))
          .verify(Duration.ofSeconds(30));
      assertThat(fx.spans()).isEmpty();
    }
  }
}
