package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a generation costs the thread that ends it: start, model, usage, a prompt and a 2 KB completion, end; with a
 * typical 2 KB prompt and with a 100 KB one (a retrieval-augmented context). The peers are measured in the same run.
 *
 * <p>An invocation ends {@value #SPANS} spans, then both tracers are flushed outside the timing. Without that, the
 * export side, which encodes about 4 KB per span while the caller ends one every microsecond, would fall behind, the
 * pipeline would fill, and the benchmark would measure the cheap refusal of a full queue instead of the cost of a
 * span that is kept. The export threads still run beside the caller (on this 2-core machine they take CPU from it),
 * as they do in an application.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class GenerationCostBenchmark {

  /** Spans per invocation: well inside the queue's bounds, even with 100 KB prompts. */
  static final int SPANS = 1000;
  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  private static final AttributeKey<Long> TOTAL_TOKENS = AttributeKey.longKey("gen_ai.usage.total_tokens");

  private FluxTracer fluxtracer;
  private SdkTracerProvider otelProvider;
  private Tracer otel;
  private String prompt;
  private String completion;
  private String largePrompt;

  @Setup
  public void setUp() {
    fluxtracer = Peers.fluxtraceAcknowledging();
    otelProvider = Peers.otel(Peers.otelAcknowledgingExporter());
    otel = otelProvider.get("fluxtrace-benchmarks");
    prompt = Content.text(Content.TYPICAL_CHARS, 1);
    completion = Content.text(Content.TYPICAL_CHARS, 2);
    largePrompt = Content.text(Content.LARGE_CHARS, 3);
  }

  /** Outside the timing: what the invocation queued is exported before the next one starts. */
  @TearDown(Level.Invocation)
  public void flush() {
    fluxtracer.flushBlocking(Duration.ofSeconds(60));
    otelProvider.forceFlush().join(60, TimeUnit.SECONDS);
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("generation cost", fluxtracer);
    fluxtracer.close();
    Peers.close(otelProvider);
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void fluxtraceGeneration() {
    for (int i = 0; i < SPANS; i++) {
      fluxtrace(prompt);
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void otelGeneration() {
    for (int i = 0; i < SPANS; i++) {
      otel(prompt);
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void fluxtraceGeneration100k() {
    for (int i = 0; i < SPANS; i++) {
      fluxtrace(largePrompt);
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void otelGeneration100k() {
    for (int i = 0; i < SPANS; i++) {
      otel(largePrompt);
    }
  }

  private void fluxtrace(String input) {
    Span span = fluxtracer.startSpan("generation", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
    span.model(Content.MODEL).input(input);
    span.output(completion).usageDetails(Content.USAGE);
    span.end();
  }

  private void otel(String input) {
    io.opentelemetry.api.trace.Span span = otel.spanBuilder("generation").startSpan();
    span.setAttribute(MODEL, Content.MODEL);
    span.setAttribute(OtelReactor.INPUT, input);
    span.setAttribute(OtelReactor.OUTPUT, completion);
    span.setAttribute(INPUT_TOKENS, 512L);
    span.setAttribute(OUTPUT_TOKENS, 480L);
    span.setAttribute(TOTAL_TOKENS, 992L);
    span.end();
  }
}
