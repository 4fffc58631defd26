package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Point-in-time events under the current span. */
class TracedEventTest {

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void anEventIsRecordedUnderTheCurrentSpanWithNoDuration() {
    Mono<String> step = Mono.just("doc")
        .flatMap(doc -> tracing.event("cache-hit")
            .input("key-1")
            .output(doc)
            .metadata("store", "redis")
            .level(ObservationLevel.DEBUG)
            .statusMessage("warm")
            .record()
            .thenReturn(doc))
        .transform(tracing.retriever("lookup").mono())
        .contextWrite(TraceContext.userId("u"));

    StepVerifier.create(step).expectNext("doc").verifyComplete();

    SpanData lookup = fx.span("lookup");
    SpanData event = fx.span("cache-hit");
    assertThat(event.type()).isEqualTo(ObservationType.EVENT);
    assertThat(event.parentSpanId()).isEqualTo(lookup.spanId());
    assertThat(event.traceId()).isEqualTo(lookup.traceId());
    assertThat(event.endEpochNanos()).isEqualTo(event.startEpochNanos());
    assertThat(event.input()).isEqualTo("\"key-1\"");
    assertThat(event.output()).isEqualTo("\"doc\"");
    assertThat(event.metadata()).isEqualTo("{\"store\":\"redis\"}");
    assertThat(event.level()).isEqualTo(ObservationLevel.DEBUG);
    assertThat(event.statusMessage()).isEqualTo("warm");
    assertThat(event.traceAttributes().userId()).isEqualTo("u");
  }

  @Test
  void anEventCanBeRecordedFromAContextViewInsideHandle() {
    Flux<Integer> stream = Flux.range(1, 4)
        .<Integer>handle((i, sink) -> {
          if (i % 2 == 0) {
            tracing.event("even").input(i).record(sink.contextView());
          }
          sink.next(i);
        })
        .transform(tracing.agent("counter").flux());

    StepVerifier.create(stream).expectNext(1, 2, 3, 4).verifyComplete();

    SpanData counter = fx.span("counter");
    assertThat(fx.spans()).filteredOn(s -> s.name().equals("even")).hasSize(2)
        .allSatisfy(e -> assertThat(e.parentSpanId()).isEqualTo(counter.spanId()));
  }

  @Test
  void outsideEveryStepAnEventIsTheRootOfANewTrace() {
    StepVerifier.create(tracing.event("startup").record()).verifyComplete();

    assertThat(fx.span("startup").parentSpanId()).isNull();
  }

  @Test
  void disabledOrSampledOutEventsRecordNothingAndComputeNothing() {
    AtomicBoolean computed = new AtomicBoolean();
    ReactorTracing off = ReactorTracing.create(FluxTracer.disabled());
    StepVerifier.create(off.event("e").input(() -> computed.getAndSet(true)).record()).verifyComplete();

    try (TracingFixture sampledOut = TracingFixture.sampled(0.0)) {
      Mono<Void> inStep = sampledOut.tracing.event("e").input(() -> computed.getAndSet(true)).record()
          .transform(sampledOut.tracing.span("s").mono());
      StepVerifier.create(inStep).verifyComplete();
      StepVerifier.create(sampledOut.tracing.event("root").input(() -> computed.getAndSet(true)).record())
          .verifyComplete();
      assertThat(sampledOut.spans()).isEmpty();
    }
    assertThat(computed).isFalse();
  }
}
