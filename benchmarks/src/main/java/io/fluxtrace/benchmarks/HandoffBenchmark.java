package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.TraceAttributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Benchmark 3: handing ended spans to the export pipeline from one and from two threads at once, fluxtrace's
 * pipeline against OpenTelemetry's {@code BatchSpanProcessor.onEnd}, each over an exporter that acknowledges at
 * once. An operation starts and ends one bare span (no attributes), so what differs is mostly the hand-off: id
 * generation, the span object, and the queue. Scores are spans per microsecond, summed over the threads.
 *
 * <p>Both queues hold {@value Peers#MAX_QUEUED} spans; if the export thread falls behind, spans are dropped, which
 * is cheaper than queueing them. The tear-down prints how many spans each tracer exported and dropped, so a score
 * bought with drops shows.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class HandoffBenchmark {

  private FluxTracer fluxtracer;
  private SdkTracerProvider otelProvider;
  private Tracer otel;
  private final LongAdder otelExported = new LongAdder();

  @Setup
  public void setUp() {
    fluxtracer = Peers.fluxtraceAcknowledging();
    otelProvider = Peers.otel(new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        otelExported.add(spans.size());
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    });
    otel = otelProvider.get("fluxtrace-benchmarks");
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("hand-off", fluxtracer);
    fluxtracer.close();
    otelProvider.forceFlush().join(30, TimeUnit.SECONDS);
    System.out.printf("[hand-off] opentelemetry: exported=%,d (a BatchSpanProcessor warning above reports drops)%n",
        otelExported.sum());
    Peers.close(otelProvider);
  }

  private void fluxtraceSpan() {
    fluxtracer.startSpan("handoff", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
  }

  private void otelSpan() {
    otel.spanBuilder("handoff").startSpan().end();
  }

  @Benchmark
  @Threads(1)
  public void fluxtrace1Thread() {
    fluxtraceSpan();
  }

  @Benchmark
  @Threads(2)
  public void fluxtrace2Threads() {
    fluxtraceSpan();
  }

  @Benchmark
  @Threads(1)
  public void otel1Thread() {
    otelSpan();
  }

  @Benchmark
  @Threads(2)
  public void otel2Threads() {
    otelSpan();
  }
}
