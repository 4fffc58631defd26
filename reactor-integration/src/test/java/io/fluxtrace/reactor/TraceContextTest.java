package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.Span;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** Per-request attributes, remote parents and the current-span readers, all through the Reactor Context. */
class TraceContextTest {

  private static final String REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String REMOTE_SPAN = "00f067aa0ba902b7";

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;

  @AfterEach
  void close() {
    fx.close();
  }

  private Mono<String> twoSteps() {
    return Mono.just("q")
        .transform(tracing.retriever("inner").mono())
        .publishOn(Schedulers.parallel())
        .transform(tracing.chain("outer").mono());
  }

  @Test
  void attributesWrittenOnceAreStampedOnEverySpanOfTheRequest() {
    Mono<String> request = twoSteps()
        .contextWrite(TraceContext.userId("u-1"))
        .contextWrite(TraceContext.sessionId("s-1"))
        .contextWrite(TraceContext.traceName("ask"))
        .contextWrite(TraceContext.tags("beta", "web"))
        .contextWrite(TraceContext.metadata("tenant", "acme"))
        .contextWrite(TraceContext.release("1.4.2"))
        .contextWrite(TraceContext.version("prompt-v7"));

    StepVerifier.create(request).expectNext("q").verifyComplete();

    TraceAttributes expected = TraceAttributes.builder()
        .userId("u-1").sessionId("s-1").traceName("ask").tags("beta", "web").metadata("tenant", "acme")
        .release("1.4.2").version("prompt-v7").build();
    assertThat(fx.spans()).hasSize(2).allSatisfy(s -> assertThat(s.traceAttributes()).isEqualTo(expected));
  }

  @Test
  void nestedWritesMergeAndTheInnerOneWinsForTheStepsItCovers() {
    Mono<String> request = Mono.just("q")
        .transform(tracing.retriever("inner").mono())
        .contextWrite(TraceContext.attributes(TraceAttributes.builder().userId("u-2").tags("inner").build()))
        .transform(tracing.chain("outer").mono())
        .contextWrite(TraceContext.attributes(TraceAttributes.builder().userId("u-1").sessionId("s").tags("outer")
            .build()));

    StepVerifier.create(request).expectNext("q").verifyComplete();

    assertThat(fx.span("outer").traceAttributes())
        .isEqualTo(TraceAttributes.builder().userId("u-1").sessionId("s").tags("outer").build());
    assertThat(fx.span("inner").traceAttributes())
        .isEqualTo(TraceAttributes.builder().userId("u-2").sessionId("s").tags("outer", "inner").build());
  }

  @Test
  void nullValuesWriteNothing() {
    assertThat(TraceContext.userId(null)).isSameAs(Function.identity());
    assertThat(TraceContext.traceparent(null)).isSameAs(Function.identity());
    assertThat(TraceContext.traceparent("not a traceparent")).isSameAs(Function.identity());

    StepVerifier.create(twoSteps().contextWrite(TraceContext.userId(null)).contextWrite(TraceContext.userId("u")))
        .expectNextCount(1)
        .verifyComplete();
    assertThat(fx.spans()).allSatisfy(s -> assertThat(s.traceAttributes().userId()).isEqualTo("u"));
  }

  @Test
  void anIncomingTraceparentIsJoinedAndTheOutermostStepIsTheAppRoot() {
    StepVerifier.create(twoSteps().contextWrite(TraceContext.traceparent(
            "00-" + REMOTE_TRACE + "-" + REMOTE_SPAN + "-01")))
        .expectNext("q")
        .verifyComplete();

    SpanData outer = fx.span("outer");
    SpanData inner = fx.span("inner");
    assertThat(outer.traceId()).isEqualTo(REMOTE_TRACE);
    assertThat(outer.parentSpanId()).isEqualTo(REMOTE_SPAN);
    assertThat(outer.parentRemote()).isTrue();
    assertThat(outer.isAppRoot()).isTrue();
    assertThat(inner.traceId()).isEqualTo(REMOTE_TRACE);
    assertThat(inner.parentSpanId()).isEqualTo(outer.spanId());
    assertThat(inner.parentRemote()).isFalse();
  }

  @Test
  void anInvalidTraceparentIsIgnoredAndStartsANewTrace() {
    StepVerifier.create(twoSteps().contextWrite(TraceContext.traceparent(
            "00-" + REMOTE_TRACE.toUpperCase() + "-" + REMOTE_SPAN + "-01")))
        .expectNext("q")
        .verifyComplete();

    SpanData outer = fx.span("outer");
    assertThat(outer.traceId()).isNotEqualTo(REMOTE_TRACE);
    assertThat(outer.parentSpanId()).isNull();
  }

  @Test
  void aCallerThatDidNotSampleIsHonouredAndItsHeaderPassedOn() {
    String header = "00-" + REMOTE_TRACE + "-" + REMOTE_SPAN + "-00";
    Mono<String> request = TraceContext.currentTraceparent()
        .transform(tracing.tool("call-out").mono())
        .transform(tracing.chain("outer").mono())
        .contextWrite(TraceContext.traceparent(header));

    StepVerifier.create(request).expectNext(header).verifyComplete();
    assertThat(fx.spans()).isEmpty();
  }

  @Test
  void writingATraceparentInsideAStepMovesTheStepsAboveToThatTrace() {
    Mono<String> request = Mono.just("q")
        .transform(tracing.tool("remote-work").mono())
        .contextWrite(TraceContext.traceparent("00-" + REMOTE_TRACE + "-" + REMOTE_SPAN + "-01"))
        .transform(tracing.chain("local").mono());

    StepVerifier.create(request).expectNext("q").verifyComplete();
    assertThat(fx.span("remote-work").parentSpanId()).isEqualTo(REMOTE_SPAN);
    assertThat(fx.span("local").traceId()).isNotEqualTo(REMOTE_TRACE);
  }

  @Test
  void currentTraceparentAndTraceIdDescribeTheCurrentSpan() {
    Mono<List<Object>> seen = Mono.zip(TraceContext.currentSpan(), TraceContext.currentTraceparent(),
            TraceContext.currentTraceId())
        .map(t -> List.<Object>of(t.getT1(), t.getT2(), t.getT3()))
        .transform(tracing.tool("call-out").mono(v -> null));

    StepVerifier.create(seen)
        .assertNext(values -> {
          Span span = (Span) values.get(0);
          assertThat(span.isRecording()).isTrue();
          assertThat(values.get(1)).isEqualTo("00-" + span.context().traceId() + "-" + span.context().spanId() + "-01");
          assertThat(values.get(2)).isEqualTo(span.context().traceId());
        })
        .verifyComplete();
    assertThat(fx.span("call-out").spanId()).isNotNull();
  }

  @Test
  void outsideEveryStepThereIsNoTraceToPropagateButARemoteParentIsPassedOn() {
    StepVerifier.create(TraceContext.currentTraceparent()).verifyComplete();
    StepVerifier.create(TraceContext.currentTraceId()).verifyComplete();
    StepVerifier.create(TraceContext.currentSpan()).expectNext(Span.noop()).verifyComplete();
    assertThat(TraceContext.currentSpan(Context.empty())).isSameAs(Span.noop());

    String header = "00-" + REMOTE_TRACE + "-" + REMOTE_SPAN + "-01";
    StepVerifier.create(TraceContext.currentTraceparent().contextWrite(TraceContext.traceparent(header)))
        .expectNext(header)
        .verifyComplete();
    StepVerifier.create(TraceContext.currentTraceId().contextWrite(TraceContext.traceparent(header)))
        .expectNext(REMOTE_TRACE)
        .verifyComplete();
  }

  @Test
  void theUsersOwnContextKeysSurviveOurWrites() {
    Mono<Map<String, String>> request = Mono.deferContextual(c -> Mono.just(Map.of("k", c.<String>get("k"))))
        .transform(tracing.span("s").mono())
        .contextWrite(TraceContext.userId("u"))
        .contextWrite(TraceContext.traceparent("00-" + REMOTE_TRACE + "-" + REMOTE_SPAN + "-01"))
        .contextWrite(Context.of("k", "v"));

    StepVerifier.create(request).expectNext(Map.of("k", "v")).verifyComplete();
  }
}
