package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.testing.ChildProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CLI tool closes its tracer and returns from main: the JVM must then exit at once, not when some idle thread
 * times out. Checked in a fresh JVM, where every non-daemon thread still alive after {@code close()} would keep the
 * process running.
 */
@Timeout(120)
class CloseLetsTheJvmExitTest {

  /** The fresh JVM's work: export a span, close the tracer, then list the non-daemon threads left. */
  public static void main(String[] args) {
    FluxTracer tracer = FluxTracer.builder(Map.of())
        .exporter(InMemorySpanExporter.create())
        .shutdownHook(false)
        .build();
    tracer.startSpan("job", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
    tracer.close();
    Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t != Thread.currentThread() && !t.isDaemon() && t.isAlive())
        .forEach(t -> System.out.println("non-daemon thread left: " + t.getName()));
    System.out.println("closed: exported " + tracer.stats().exported());
  }

  @Test
  void noNonDaemonThreadOutlivesClose(@TempDir Path logs) throws Exception {
    try (ChildProcess child = ChildProcess.java(CloseLetsTheJvmExitTest.class, List.of(), List.of(), logs)) {
      assertThat(child.waitFor(Duration.ofSeconds(60))).as("exited: %s", child.describe()).isTrue();
      assertThat(child.exitCode()).as(child.describe()).isZero();
      assertThat(child.output()).contains("closed: exported 1").doesNotContain("non-daemon thread left");
    }
  }
}
