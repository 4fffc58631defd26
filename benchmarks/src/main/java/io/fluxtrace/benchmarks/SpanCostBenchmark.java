package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
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

/**
 * Where the time of one span goes, without Reactor: starting and ending a bare span directly on each tracer, and
 * the id generation and validation
 * that every fluxtrace span pays. The peers are measured in the same run. Generations: {@link
 * GenerationCostBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class SpanCostBenchmark {


  private FluxTracer fluxtracer;
  private SdkTracerProvider otelProvider;
  private Tracer otel;
  private String traceId;
  private String spanId;

  @Setup
  public void setUp() {
    fluxtracer = Peers.fluxtraceAcknowledging();
    otelProvider = Peers.otel(Peers.otelAcknowledgingExporter());
    otel = otelProvider.get("fluxtrace-benchmarks");
    traceId = TraceIds.newTraceId();
    spanId = TraceIds.newSpanId();
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("span cost", fluxtracer);
    fluxtracer.close();
    Peers.close(otelProvider);
  }

  @Benchmark
  public void fluxtraceBare() {
    fluxtracer.startSpan("span", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
  }

  @Benchmark
  public void otelBare() {
    otel.spanBuilder("span").startSpan().end();
  }

  /** Two new ids, as every new trace needs. */
  @Benchmark
  public String idGeneration() {
    TraceIds.newSpanId();
    return TraceIds.newTraceId();
  }

  /** The validation every {@link SpanContext} does. */
  @Benchmark
  public SpanContext spanContext() {
    return new SpanContext(traceId, spanId, false, true);
  }
}
