package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Benchmark 6: what tracing costs when it records nothing, against the untraced step: tracing disabled
 * ({@link FluxTracer#disabled()}; the operator is the source itself) and the trace sampled out (sample rate 0; the
 * operator still starts a non-recording root so that every step of the request agrees). The same small Mono step
 * as {@link CallerPathBenchmark}, and a 100-element Flux for the cost per element. The OpenTelemetry peers are a
 * no-op API ({@code OpenTelemetry.noop()}) and the SDK with {@code Sampler.alwaysOff()}, through {@link OtelReactor}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class DisabledTracingBenchmark {

  private static final int ELEMENTS = 100;

  private ReactorTracing disabled;
  private FluxTracer sampledOutTracer;
  private ReactorTracing sampledOut;
  private Tracer otelNoop;
  private SdkTracerProvider otelOffProvider;
  private Tracer otelOff;
  private Flux<Integer> elements;

  @Setup
  public void setUp() {
    disabled = ReactorTracing.create(FluxTracer.disabled());
    sampledOutTracer = Peers.fluxtrace().exporter(Peers.acknowledgingExporter()).sampleRate(0.0).build();
    sampledOut = ReactorTracing.create(sampledOutTracer);
    otelNoop = OpenTelemetry.noop().getTracer("fluxtrace-benchmarks");
    otelOffProvider = Peers.otel(Peers.otelAcknowledgingExporter(), Sampler.alwaysOff());
    otelOff = otelOffProvider.get("fluxtrace-benchmarks");
    elements = Flux.range(0, ELEMENTS);
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("sampled out", sampledOutTracer);
    sampledOutTracer.close();
    Peers.close(otelOffProvider);
  }

  private static Mono<String> step() {
    return CallerPathBenchmark.step(CallerPathBenchmark.QUESTION);
  }

  @Benchmark
  public void plain(Blackhole bh) {
    Consume.mono(step(), bh);
  }

  @Benchmark
  public void fluxtraceDisabled(Blackhole bh) {
    Consume.mono(step().transform(disabled.span("step").input(CallerPathBenchmark.QUESTION).mono()), bh);
  }

  @Benchmark
  public void fluxtraceSampledOut(Blackhole bh) {
    Consume.mono(step().transform(sampledOut.span("step").input(CallerPathBenchmark.QUESTION).mono()), bh);
  }

  @Benchmark
  public void otelNoop(Blackhole bh) {
    Consume.mono(step().transform(OtelReactor.mono(otelNoop, "step", CallerPathBenchmark.QUESTION, s -> s)), bh);
  }

  @Benchmark
  public void otelSampledOut(Blackhole bh) {
    Consume.mono(step().transform(OtelReactor.mono(otelOff, "step", CallerPathBenchmark.QUESTION, s -> s)), bh);
  }

  @Benchmark
  public void plainFlux(Blackhole bh) {
    Consume.flux(elements, bh);
  }

  @Benchmark
  public void fluxtraceDisabledFlux(Blackhole bh) {
    Consume.flux(elements.transform(disabled.span("stream").flux()), bh);
  }

  @Benchmark
  public void fluxtraceSampledOutFlux(Blackhole bh) {
    Consume.flux(elements.transform(sampledOut.span("stream").flux()), bh);
  }
}
