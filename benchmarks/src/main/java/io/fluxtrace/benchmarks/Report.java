package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.TracerStats;

/** One line of figures printed by a benchmark or harness, so that a result is never silently wrong. */
final class Report {

  private Report() {}

  /** Prints the tracer's counters, so a run that dropped or failed spans says so next to its score. */
  static void fluxtrace(String label, FluxTracer tracer) {
    tracer.flushBlocking(java.time.Duration.ofSeconds(30));
    TracerStats s = tracer.stats();
    System.out.printf("%n[%s] fluxtrace: ended=%,d exported=%,d droppedQueueFull=%,d failed=%,d queued=%,d%n",
        label, s.spansEnded(), s.exported(), s.droppedQueueFull(), s.failed(), s.queuedSpans());
  }
}
