package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.TailSampling;
import io.fluxtrace.TraceAttributes;
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
 * The cost per trace of tail sampling against head sampling, without Reactor: one trace is a root with three
 * children, one of them a typical generation (model, usage, a 2 KB prompt and a 2 KB completion), started and ended
 * directly on the tracer.
 *
 * <ul>
 *   <li>{@code headRate10}: head sampling at 0.1: 90% of traces never record, 10% are recorded and exported.
 *   <li>{@code tailRate10}: tail sampling at 0.1, no failures: the same 10% exported as they end, the other 90%
 *       recorded, encoded and held until their root ends, then sampled out. The difference to {@code headRate10}
 *       is what holding costs.
 *   <li>{@code tailRate10Failing}: tail sampling at 0.1, every trace failing: 90% held, then kept and exported.
 *   <li>{@code recordAll}: rate 1, no tail sampling: every trace recorded and exported, the peer of
 *       {@code tailRate10Failing} (what keeping a trace costs without holding it first).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class TailSamplingBenchmark {

  private static final IllegalStateException FAILURE = new IllegalStateException("model down");

  private FluxTracer head;
  private FluxTracer tail;
  private FluxTracer all;
  private String prompt;
  private String completion;

  @Setup
  public void setUp() {
    head = Peers.fluxtrace().exporter(Peers.acknowledgingExporter()).sampleRate(0.1).build();
    tail = Peers.fluxtrace().exporter(Peers.acknowledgingExporter()).sampleRate(0.1)
        .tailSampling(TailSampling.builder().build()).build();
    all = Peers.fluxtrace().exporter(Peers.acknowledgingExporter()).sampleRate(1.0).build();
    prompt = Content.text(Content.TYPICAL_CHARS, 1);
    completion = Content.text(Content.TYPICAL_CHARS, 2);
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("tail sampling, head at 0.1", head);
    Report.fluxtrace("tail sampling, tail at 0.1", tail);
    System.out.printf("[tail sampling] %s%n", tail.stats().sampling());
    Report.fluxtrace("tail sampling, record all", all);
    head.close();
    tail.close();
    all.close();
  }

  @Benchmark
  public void headRate10() {
    trace(head, false);
  }

  @Benchmark
  public void tailRate10() {
    trace(tail, false);
  }

  @Benchmark
  public void tailRate10Failing() {
    trace(tail, true);
  }

  @Benchmark
  public void recordAll() {
    trace(all, true);
  }

  private void trace(FluxTracer tracer, boolean fail) {
    Span root = tracer.startSpan("request", ObservationType.CHAIN, null, TraceAttributes.EMPTY);
    tracer.startSpan("search", ObservationType.RETRIEVER, root.context(), TraceAttributes.EMPTY).end();
    Span generation = tracer.startSpan("answer", ObservationType.GENERATION, root.context(), TraceAttributes.EMPTY);
    generation.model(Content.MODEL).input(prompt).output(completion).usageDetails(Content.USAGE).end();
    Span tool = tracer.startSpan("tool", ObservationType.TOOL, root.context(), TraceAttributes.EMPTY);
    if (fail) {
      tool.endWithError(FAILURE);
    } else {
      tool.end();
    }
    root.end();
  }
}
