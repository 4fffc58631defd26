package io.fluxtrace.benchmarks;

import com.sun.management.ThreadMXBean;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What a generation costs the thread that ends it, in that thread's own CPU time and allocation (from the JVM's
 * per-thread counters), so that the figure holds on a loaded machine where wall-clock benchmarks do not: the export
 * threads' work, and time the thread spends descheduled, are not counted. 2 KB and 100 KB prompts, fluxtrace and the
 * OpenTelemetry peer, rounds of 1,000 spans flushed between rounds (outside the measurement), median of the rounds.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.fluxtrace.benchmarks.CallerThreadCost [rounds]</pre>
 */
public final class CallerThreadCost {

  private static final int SPANS = 1000;
  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");

  private CallerThreadCost() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    FluxTracer fluxtracer = Peers.fluxtraceAcknowledging();
    SdkTracerProvider otelProvider = Peers.otel(Peers.otelAcknowledgingExporter());
    Tracer otel = otelProvider.get("fluxtrace-benchmarks");
    String completion = Content.text(2048, 2);
    for (int pass = 0; pass < 2; pass++) { // the first pass warms every path up
      if (pass == 1) {
        System.out.printf("%-10s %-8s %18s %18s%n", "tracer", "prompt", "CPU ns per span", "bytes per span");
      }
      measure(threads, fluxtracer, otelProvider, otel, completion, rounds, pass == 1);
    }
    Report.fluxtrace("caller thread cost", fluxtracer);
    fluxtracer.close();
    Peers.close(otelProvider);
  }

  private static void measure(ThreadMXBean threads, FluxTracer fluxtracer, SdkTracerProvider otelProvider, Tracer otel,
      String completion, int rounds, boolean print) {
    for (int chars : new int[] {2048, 100 * 1024}) {
      String prompt = Content.text(chars, 1);
      for (String peer : new String[] {"fluxtrace", "otel"}) {
        long[] cpu = new long[rounds];
        long[] bytes = new long[rounds];
        for (int r = 0; r < rounds; r++) {
          long cpuBefore = threads.getCurrentThreadCpuTime();
          long bytesBefore = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
          for (int i = 0; i < SPANS; i++) {
            if (peer.equals("fluxtrace")) {
              Span span = fluxtracer.startSpan("generation", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
              span.model(Content.MODEL).input(prompt);
              span.output(completion).usageDetails(Content.USAGE);
              span.end();
            } else {
              io.opentelemetry.api.trace.Span span = otel.spanBuilder("generation").startSpan();
              span.setAttribute(MODEL, Content.MODEL);
              span.setAttribute(OtelReactor.INPUT, prompt);
              span.setAttribute(OtelReactor.OUTPUT, completion);
              span.setAttribute(INPUT_TOKENS, 512L);
              span.end();
            }
          }
          long cpuSpent = threads.getCurrentThreadCpuTime() - cpuBefore;
          long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - bytesBefore;
          fluxtracer.flushBlocking(Duration.ofSeconds(60));
          otelProvider.forceFlush().join(60, TimeUnit.SECONDS);
          cpu[r] = cpuSpent / SPANS;
          bytes[r] = allocated / SPANS;
        }
        if (print) {
          System.out.printf("%-10s %-8s %,18d %,18d%n", peer, chars / 1024 + " KB", median(cpu), median(bytes));
        }
      }
    }
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
