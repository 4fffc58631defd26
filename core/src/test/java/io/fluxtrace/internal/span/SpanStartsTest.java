package io.fluxtrace.internal.span;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.export.InMemorySpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A span started with its input (the traced operators' start) exports exactly what {@code startSpan(..)} followed by
 * {@code input(..)} exports, under the same parent; a sampled-out or disabled tracer records nothing.
 */
class SpanStartsTest {

  private static FluxTracer tracer(InMemorySpanExporter exporter, double rate) {
    return FluxTracer.builder(Map.of()).exporter(exporter).shutdownHook(false).sampleRate(rate).build();
  }

  @Test
  void theInputIsRecordedAsIfSetAfterTheStart() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (FluxTracer tracer = tracer(exporter, 1.0)) {
      Span root = tracer.startSpan("root", ObservationType.CHAIN, null, TraceAttributes.EMPTY);
      Span started = SpanStarts.startWithInput(tracer, "with", ObservationType.SPAN, root.context(),
          TraceAttributes.EMPTY, "question");
      Span twoSteps = tracer.startSpan("after", ObservationType.SPAN, root.context(), TraceAttributes.EMPTY)
          .input("question");
      assertThat(started.isRecording()).isTrue();
      started.end();
      twoSteps.end();
      root.end();
      assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).isTrue();
      List<SpanData> spans = exporter.spans();
      SpanData with = spans.stream().filter(s -> s.name().equals("with")).findFirst().orElseThrow();
      SpanData after = spans.stream().filter(s -> s.name().equals("after")).findFirst().orElseThrow();
      assertThat(with.input()).isEqualTo(after.input()).isEqualTo("\"question\"");
      assertThat(with.traceId()).isEqualTo(root.context().traceId());
      assertThat(with.parentSpanId()).isEqualTo(root.context().spanId());
      assertThat(tracer.stats().spansStarted()).isEqualTo(3);
    }
  }

  @Test
  void sampledOutAndDisabledTracersRecordNothing() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    try (FluxTracer sampledOut = tracer(exporter, 0.0); FluxTracer disabled = FluxTracer.disabled()) {
      Span out = SpanStarts.startWithInput(sampledOut, "s", ObservationType.SPAN, null, TraceAttributes.EMPTY, "q");
      Span off = SpanStarts.startWithInput(disabled, "s", ObservationType.SPAN, null, TraceAttributes.EMPTY, "q");
      assertThat(out.isRecording()).isFalse();
      assertThat(off.isRecording()).isFalse();
      out.end();
      assertThat(sampledOut.flushBlocking(Duration.ofSeconds(30)).completed()).isTrue();
      assertThat(exporter.spans()).isEmpty();
      assertThat(sampledOut.stats().spansStarted()).isZero();
    }
  }
}
