package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.testing.ChildProcess;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance in a separate JVM ({@link ShutdownDrainMain}) with the default shutdown hook: spans ended after the JVM's
 * exit began are delivered; a span that can never end because {@code System.exit} was called inside it is ended by
 * shutdown and delivered; an idle program exits promptly. Prints the exit times (the figures of issue 11).
 */
@Timeout(180)
class ShutdownDrainExitTest {

  /**
   * Long enough that the 5 s kept for delivery after the drain covers a fresh JVM's first export on a loaded
   * machine (the span ended by shutdown is the child's first export).
   */
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);
  /** When the drain ends: a quarter of the timeout, at most 5 s, before it. */
  private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(15);
  /** Starting a JVM, on a loaded machine. */
  private static final Duration START_LIMIT = Duration.ofSeconds(60);
  /** How much longer than its bound a child may take to exit on a loaded machine. */
  private static final Duration MARGIN = Duration.ofSeconds(10);

  @TempDir Path dir;

  @Test
  void spansEndedAfterTheJvmExitBeganAreDelivered() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      Exit exit = run("inflight", receiver, "EXITING");

      assertThat(exit.code).as(exit.output).isZero();
      assertThat(exit.output).contains("ANSWERED " + (ShutdownDrainMain.REQUESTS - 1));
      Set<String> expected = new HashSet<>();
      IntStream.range(0, ShutdownDrainMain.REQUESTS).forEach(i -> {
        expected.add("request-" + i);
        expected.add("step-" + i);
      });
      List<String> names = spans(receiver).stream().map(Span::getName).toList();
      assertThat(names).as("each exactly once").hasSize(expected.size());
      assertThat(new HashSet<>(names)).isEqualTo(expected);
      assertThat(exit.output).doesNotContain("WARN");
      assertThat(exit.took).as("exited once the requests were done, not at the drain deadline")
          .isLessThan(DRAIN_DEADLINE);
    }
  }

  @Test
  void systemExitInsideATracedStepEndsItsSpanByShutdownAndDeliversIt() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      Exit exit = run("exit-inside-step", receiver, "EXITING");

      assertThat(exit.code).as(exit.output).isEqualTo(3);
      List<Span> spans = spans(receiver);
      assertThat(spans).hasSize(1);
      Span step = spans.get(0);
      assertThat(step.getName()).isEqualTo("step");
      assertThat(OtlpJson.attributes(step))
          .containsEntry("langfuse.observation.level", "WARNING")
          .containsEntry("langfuse.observation.status_message", RecordingSpan.ENDED_BY_SHUTDOWN)
          .containsEntry("langfuse.observation.input", "\"rm -rf\"");
      assertThat(exit.output).contains("fluxtrace: shut down after " + SHUTDOWN_TIMEOUT
          + ": 1 span(s) still open were ended by shutdown");
      assertThat(exit.took).as("the drain deadline, then delivery")
          .isGreaterThanOrEqualTo(DRAIN_DEADLINE).isLessThan(SHUTDOWN_TIMEOUT.plus(MARGIN));
    }
  }

  @Test
  void anIdleProgramExitsPromptly() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      Exit exit = run("idle", receiver, "RETURNING");

      assertThat(exit.code).as(exit.output).isZero();
      assertThat(spans(receiver)).extracting(Span::getName).containsExactly("idle");
      assertThat(exit.took).as("the flush and the quiet period, not the drain deadline")
          .isLessThan(DRAIN_DEADLINE);
    }
  }

  private Exit run(String mode, OtlpReceiver receiver, String marker) throws Exception {
    List<String> args = List.of(mode, receiver.url("/v1/traces"), Long.toString(SHUTDOWN_TIMEOUT.toMillis()));
    try (ChildProcess child = ChildProcess.java(ShutdownDrainMain.class, List.of(), args, dir)) {
      child.awaitOutput(out -> out.contains(marker), START_LIMIT);
      long exitBegan = System.nanoTime();
      boolean exited = child.waitFor(SHUTDOWN_TIMEOUT.plus(MARGIN));
      Duration took = Duration.ofNanos(System.nanoTime() - exitBegan);
      assertThat(exited).as("the child JVM exited: %s", child.describe()).isTrue();
      // Polled, so the marker is seen up to a poll interval late: that only makes the figure a little smaller.
      System.out.printf("shutdown drain exit, %s: exited %d ms after %s%n", mode, took.toMillis(), marker);
      return new Exit(child.exitCode(), child.output() + child.errorOutput(), took);
    }
  }

  private static List<Span> spans(OtlpReceiver receiver) {
    return receiver.requests().stream()
        .flatMap(request -> OtlpJson.spans(request.traces()).stream())
        .toList();
  }

  private record Exit(int code, String output, Duration took) {}
}
