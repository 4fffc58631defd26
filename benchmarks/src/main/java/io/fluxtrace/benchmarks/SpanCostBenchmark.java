package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.opentelemetry.api.common.AttributeKey;
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
 * Where the time of one span goes, without Reactor: starting and ending a span directly on each tracer, bare and
 * as a typical generation (model, usage, a 2 KB prompt and a 2 KB completion), and the id generation and validation
 * that every fluxtrace span pays. The peers are measured in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class SpanCostBenchmark {

  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  private static final AttributeKey<Long> TOTAL_TOKENS = AttributeKey.longKey("gen_ai.usage.total_tokens");

  private FluxTracer fluxtracer;
  private SdkTracerProvider otelProvider;
  private Tracer otel;
  private String prompt;
  private String completion;
  private String traceId;
  private String spanId;

  @Setup
  public void setUp() {
    fluxtracer = Peers.fluxtraceAcknowledging();
    otelProvider = Peers.otel(Peers.otelAcknowledgingExporter());
    otel = otelProvider.get("fluxtrace-benchmarks");
    prompt = Content.text(Content.TYPICAL_CHARS, 1);
    completion = Content.text(Content.TYPICAL_CHARS, 2);
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

  @Benchmark
  public void fluxtraceGeneration() {
    Span span = fluxtracer.startSpan("generation", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
    span.model(Content.MODEL).input(prompt);
    span.output(completion).usageDetails(Content.USAGE);
    span.end();
  }

  @Benchmark
  public void otelGeneration() {
    io.opentelemetry.api.trace.Span span = otel.spanBuilder("generation").startSpan();
    span.setAttribute(MODEL, Content.MODEL);
    span.setAttribute(OtelReactor.INPUT, prompt);
    span.setAttribute(OtelReactor.OUTPUT, completion);
    span.setAttribute(INPUT_TOKENS, 512L);
    span.setAttribute(OUTPUT_TOKENS, 480L);
    span.setAttribute(TOTAL_TOKENS, 992L);
    span.end();
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
