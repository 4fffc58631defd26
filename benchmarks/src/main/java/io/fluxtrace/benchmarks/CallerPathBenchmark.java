package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Mono;

/**
 * Benchmark 1: what tracing a small Mono step costs the thread that runs it. Each operation assembles the step for
 * one request (as a handler does), subscribes and runs it to its end on the benchmark thread:
 *
 * <ul>
 *   <li>{@code plain}: the step untraced;
 *   <li>{@code fluxtrace}: traced by a fluxtrace step with an input and an output (span start, Context write, end,
 *       content encoding and hand-off to the pipeline, whose exporter acknowledges at once);
 *   <li>{@code otel}: traced by the OpenTelemetry SDK as its Reactor instrumentation does (see {@link OtelReactor}),
 *       the same input and output as attributes, ended into a {@code BatchSpanProcessor} over an acknowledging
 *       exporter;
 *   <li>{@code *NoContent}: the same without input and output;
 *   <li>{@code *Nested}: a step inside a traced step, so the inner span finds its parent in the Reactor Context.
 * </ul>
 *
 * Overhead is the difference to {@code plain}; run with {@code -prof gc} for bytes per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class CallerPathBenchmark {

  static final String QUESTION = "What is the capital of France? Answer in one word.";

  private FluxTracer fluxtracer;
  private ReactorTracing tracing;
  private SdkTracerProvider otelProvider;
  private Tracer otel;

  @Setup
  public void setUp() {
    fluxtracer = Peers.fluxtraceAcknowledging();
    tracing = ReactorTracing.create(fluxtracer);
    otelProvider = Peers.otel(Peers.otelAcknowledgingExporter());
    otel = otelProvider.get("fluxtrace-benchmarks");
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("caller path", fluxtracer);
    fluxtracer.close();
    Peers.close(otelProvider);
  }

  /** The step: a value computed from the request. */
  static Mono<String> step(String question) {
    return Mono.just(question).map(CallerPathBenchmark::answer);
  }

  static String answer(String question) {
    return question.length() > 10 ? "Paris" : "I do not know";
  }

  @Benchmark
  public void plain(Blackhole bh) {
    Consume.mono(step(QUESTION), bh);
  }

  @Benchmark
  public void fluxtrace(Blackhole bh) {
    Consume.mono(step(QUESTION).transform(tracing.span("step").input(QUESTION).mono()), bh);
  }

  @Benchmark
  public void otel(Blackhole bh) {
    Consume.mono(step(QUESTION).transform(OtelReactor.mono(otel, "step", QUESTION, answer -> answer)), bh);
  }

  @Benchmark
  public void fluxtraceNoContent(Blackhole bh) {
    Consume.mono(step(QUESTION).transform(tracing.span("step").mono(answer -> null)), bh);
  }

  @Benchmark
  public void otelNoContent(Blackhole bh) {
    Consume.mono(step(QUESTION).transform(OtelReactor.mono(otel, "step", null, null)), bh);
  }

  @Benchmark
  public void plainNested(Blackhole bh) {
    Consume.mono(step(QUESTION).map(String::length), bh);
  }

  @Benchmark
  public void fluxtraceNested(Blackhole bh) {
    Consume.mono(step(QUESTION)
        .transform(tracing.span("step").input(QUESTION).mono())
        .map(String::length)
        .transform(tracing.chain("request").input(QUESTION).mono()), bh);
  }

  @Benchmark
  public void otelNested(Blackhole bh) {
    Consume.mono(step(QUESTION)
        .transform(OtelReactor.mono(otel, "step", QUESTION, answer -> answer))
        .map(String::length)
        .transform(OtelReactor.mono(otel, "request", QUESTION, n -> Integer.toString(n))), bh);
  }
}
