package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.export.InMemorySpanExporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
  void noNonDaemonThreadOutlivesClose() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        CloseLetsTheJvmExitTest.class.getName())
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("closed: exported 1").doesNotContain("non-daemon thread left");
  }
}
