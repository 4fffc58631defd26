package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.ScoreData;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceClock;
import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.export.InMemorySpanExporter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A tracer that exports spans and scores into memory, and the lookups the tests need. Both are read only after a
 * real flush.
 */
final class TracingFixture implements AutoCloseable {

  final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  final InMemoryScoreExporter scoreExporter = InMemoryScoreExporter.create();
  final FluxTracer tracer;
  final ReactorTracing tracing;

  private TracingFixture(UnaryOperator<FluxTracerBuilder> configure) {
    FluxTracerBuilder builder = FluxTracer.builder(Map.of())
        .exporter(exporter)
        .scoreExporter(scoreExporter)
        .shutdownHook(false)
        .maxQueuedSpans(500_000)
        .maxQueuedBytes(1L << 30);
    this.tracer = configure.apply(builder).build();
    this.tracing = ReactorTracing.create(tracer);
  }

  static TracingFixture create() {
    return new TracingFixture(b -> b);
  }

  static TracingFixture sampled(double rate) {
    return new TracingFixture(b -> b.sampleRate(rate));
  }

  static TracingFixture configured(UnaryOperator<FluxTracerBuilder> configure) {
    return new TracingFixture(configure);
  }

  static TracingFixture withClock(TraceClock clock) {
    return new TracingFixture(b -> b.clock(clock));
  }

  /** Every span exported once everything ended so far has been flushed. */
  List<SpanData> spans() {
    assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).as("flush completed").isTrue();
    return exporter.spans();
  }

  /** Every score exported once everything recorded so far has been flushed. */
  List<ScoreData> scores() {
    assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).as("flush completed").isTrue();
    return scoreExporter.scores();
  }

  /** The one exported span with this name. */
  SpanData span(String name) {
    List<SpanData> named = spans().stream().filter(s -> s.name().equals(name)).toList();
    assertThat(named).as("spans named '%s'", name).hasSize(1);
    return named.get(0);
  }

  @Override
  public void close() {
    tracer.close();
  }
}
