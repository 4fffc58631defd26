package io.fluxtrace.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.export.ExportResult;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A program that closes its tracer and returns from {@code main} must be able to exit at once: closing leaves no
 * thread behind that keeps the JVM alive. Runs in a JVM of its own, so that no other test's threads are counted.
 */
class ExitAfterCloseTest {

  @Test
  void closingTheTracerLeavesNoNonDaemonThreadBehind() throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Child.class.getName())
        .redirectErrorStream(true)
        .start();

    boolean exited = child.waitFor(60, TimeUnit.SECONDS);
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!exited) {
      child.destroyForcibly();
    }

    assertThat(exited).as("the child JVM exited; output:%n%s", output).isTrue();
    assertThat(child.exitValue()).as("exit code; output:%n%s", output).isZero();
    assertThat(output).contains("exported=1").contains("non-daemon threads after close: []");
  }

  /** Ends one span, closes the tracer, and lists the non-daemon threads still alive besides itself. */
  static final class Child {
    public static void main(String[] args) {
      FluxTracer tracer = FluxTracer.builder(Map.of())
          .exporter(batch -> Mono.just(ExportResult.success(batch.size())))
          .shutdownHook(false)
          .build();
      tracer.startSpan("work", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
      tracer.close();
      System.out.println("exported=" + tracer.stats().exported());
      System.out.println("non-daemon threads after close: " + Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.isAlive() && !t.isDaemon() && t != Thread.currentThread())
          .map(Thread::getName)
          .sorted()
          .collect(Collectors.toList()));
    }
  }
}
