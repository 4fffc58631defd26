package io.fluxtrace;

import java.time.Duration;
import java.util.Map;
import reactor.util.Loggers;

/**
 * A short-lived program for {@link TailSamplingExitTest}, run in its own JVM: with tail sampling at rate 0 it starts
 * traces whose roots stay open, every tenth with a failed child, then closes the tracer or simply returns from
 * {@code main} (the shutdown hook then runs). It prints its progress for the test to read (this is not library
 * code).
 *
 * <p>Arguments: {@code close|return}, the OTLP endpoint URL, the number of traces, the shutdown timeout in ms.
 */
public final class TailSamplingExitMain {

  private TailSamplingExitMain() {}

  public static void main(String[] args) {
    Loggers.useConsoleLoggers();
    String mode = args[0];
    int traces = Integer.parseInt(args[2]);
    FluxTracer tracer = FluxTracer.builder(Map.of())
        .otlpEndpoint(args[1])
        .serviceName("tail-exit")
        .sampleRate(0.0)
        .tailSampling(TailSampling.builder().build())
        .shutdownTimeout(Duration.ofMillis(Long.parseLong(args[3])))
        .build();
    for (int i = 0; i < traces; i++) {
      // The roots stay open: their traces are still held when the program ends.
      Span root = tracer.startSpan("root-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY);
      Span child = tracer.startSpan("child-" + i, ObservationType.TOOL, root.context(), TraceAttributes.EMPTY);
      if (i % 10 == 0) {
        child.endWithError(new IllegalStateException("failed " + i));
      } else {
        child.end();
      }
    }
    System.out.println("ENDED held=" + tracer.stats().sampling().heldSpans());
    if (mode.equals("close")) {
      tracer.close();
      TracerStats stats = tracer.stats();
      System.out.println("CLOSED exported=" + stats.exported() + " sampledOut=" + stats.sampling().spansSampledOut()
          + " held=" + stats.sampling().heldSpans() + " failed=" + stats.failed() + " dropped=" + stats.dropped());
    } else if (!mode.equals("return")) {
      throw new IllegalArgumentException("mode must be close or return, got " + mode);
    }
    System.out.println("RETURNING");
  }
}
