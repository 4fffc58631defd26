package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.SpanData;
import io.fluxtrace.TailSampling;
import io.fluxtrace.TraceIds;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A trace joined from a caller's {@code traceparent} with sampled=0, through the traced operators: not recorded by
 * default, even when it fails here; held and decided here with {@code decideJoinedTraces}.
 */
class TailSamplingJoinTest {

  private static final String CALLER_TRACE = TraceIds.newTraceId();
  private static final String CALLER_SPAN = TraceIds.newSpanId();
  private static final String UNSAMPLED = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-00";

  private TracingFixture fx = TracingFixture.create();

  @AfterEach
  void close() {
    fx.close();
  }

  private Mono<String> request(ReactorTracing tracing, boolean fail) {
    Mono<String> step = (fail ? Mono.<String>error(new IllegalStateException("boom")) : Mono.just("ok"))
        .publishOn(Schedulers.parallel())
        .transform(tracing.tool("tool").mono())
        .onErrorResume(e -> Mono.just("recovered"));
    return step.transform(tracing.chain("handler").mono())
        .contextWrite(TraceContext.traceparent(UNSAMPLED));
  }

  @Test
  void byDefaultACallersUnsampledTraceIsNotRecordedEvenWhenItFailsHere() {
    fx.close();
    fx = TracingFixture.configured(b -> b.sampleRate(0.0).tailSampling(TailSampling.builder().build()));

    assertThat(request(fx.tracing, true).block(Duration.ofSeconds(30))).isEqualTo("recovered");

    assertThat(fx.spans()).isEmpty();
    assertThat(fx.tracer.stats().spansStarted()).isZero();
  }

  @Test
  void decidedHereAFailedJoinedTraceIsKeptWholeUnderTheCallersSpanAndACleanOneIsNot() {
    fx.close();
    fx = TracingFixture.configured(b -> b.sampleRate(0.0)
        .tailSampling(TailSampling.builder().decideJoinedTraces(true).build()));

    assertThat(request(fx.tracing, true).block(Duration.ofSeconds(30))).isEqualTo("recovered");
    assertThat(request(fx.tracing, false).block(Duration.ofSeconds(30))).isEqualTo("ok");

    assertThat(fx.spans()).extracting(SpanData::name).containsExactlyInAnyOrder("handler", "tool");
    SpanData handler = fx.span("handler");
    assertThat(handler.traceId()).isEqualTo(CALLER_TRACE);
    assertThat(handler.parentSpanId()).isEqualTo(CALLER_SPAN);
    assertThat(handler.parentRemote()).isTrue();
    assertThat(fx.span("tool").parentSpanId()).isEqualTo(handler.spanId());
    assertThat(fx.tracer.stats().sampling().spansSampledOut()).isEqualTo(2);
  }
}
