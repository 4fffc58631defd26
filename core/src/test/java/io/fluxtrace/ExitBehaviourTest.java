package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.testing.ChildProcess;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acceptance: what happens to ended spans when a program ends, tested in a separate JVM ({@link ExitScenarioMain})
 * that exits right after its work, exporting to a real HTTP receiver in this JVM.
 */
@Timeout(120)
class ExitBehaviourTest {

  private static final int SPANS = 10_000;
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(3);
  /**
   * The shutdown timeout of the runs whose receiver is up: the deadline must not be what ends them, and a fresh
   * JVM's first export of {@value #SPANS} spans took about 1 s of the 3 s above on two loaded cores. They must
   * still exit within {@code SHUTDOWN_TIMEOUT} plus the margin, as before.
   */
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);
  /** How much longer than the shutdown timeout a child may take to exit once its work is done. */
  private static final Duration EXIT_MARGIN = Duration.ofSeconds(10);
  /**
   * How long a child may take to exit once {@code main} has returned after {@code close()}: nothing is left to do
   * then. Generous for a loaded machine, yet shorter than the 10 s keep-alive of a stray non-daemon thread.
   */
  private static final Duration EXIT_AFTER_CLOSE = Duration.ofSeconds(5);
  /** Starting a JVM and ending the spans, on a loaded machine. */
  private static final Duration WORK_LIMIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  /**
   * With BlockHound installed in the child too: the first export of a fresh JVM must not block the non-blocking
   * export thread with one-time initialization (reactor-netty's native transport, the JDK's socket classes).
   */
  @Test
  void closeThenReturningFromMainDeliversEverySpan() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      Child child = run("close", receiver.url("/v1/traces"), "receiver up, BlockHound installed", true,
          DELIVERY_TIMEOUT);

      assertThat(child.exitCode).as(child.output).isZero();
      assertThat(child.exitedAfterMain).as("exited once main returned").isLessThan(EXIT_AFTER_CLOSE);
      assertThat(child.output).contains("CLOSED exported=" + SPANS + " failed=0 shutdownDeadline=0 dropped=0"
          + " queued=0");
      assertEverySpanArrivedOnce(receiver);
    }
  }

  @Test
  void returningFromMainDeliversEverySpanThroughTheShutdownHook() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      Child child = run("return", receiver.url("/v1/traces"), "receiver up", false, DELIVERY_TIMEOUT);

      assertThat(child.exitCode).as(child.output).isZero();
      assertThat(child.exitedAfterWork).as("exited within the shutdown timeout and the margin")
          .isLessThan(SHUTDOWN_TIMEOUT.plus(EXIT_MARGIN));
      assertEverySpanArrivedOnce(receiver);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"close", "return"})
  void anUnreachableBackendStillExitsWithinTheShutdownTimeoutAndReportsWhatWasLost(String mode) throws Exception {
    String endpoint;
    try (OtlpReceiver down = OtlpReceiver.start()) {
      endpoint = down.url("/v1/traces"); // a loopback port where nothing listens once the receiver is closed
    }

    Child child = run(mode, endpoint, "nothing listening", false, SHUTDOWN_TIMEOUT);

    assertThat(child.exitCode).as(child.output).isZero();
    assertThat(child.exitedAfterWork).as("exited within the shutdown timeout and the margin")
        .isLessThan(SHUTDOWN_TIMEOUT.plus(EXIT_MARGIN));
    // The library's own warning, through Reactor's Loggers: its console logger, as there is no SLF4J here.
    assertThat(child.output).contains("fluxtrace: " + SPANS + " spans were still undelivered when the shutdown"
        + " deadline (" + SHUTDOWN_TIMEOUT + ") passed; they are counted as failed (SHUTDOWN_DEADLINE)");
    if (mode.equals("close")) {
      assertThat(child.exitedAfterMain).as("exited once main returned").isLessThan(EXIT_AFTER_CLOSE);
      assertThat(child.output).contains("CLOSED exported=0 failed=" + SPANS + " shutdownDeadline=" + SPANS
          + " dropped=0 queued=0");
    }
  }

  /**
   * Runs {@link ExitScenarioMain} in a new JVM with this JVM's binary and classpath, and waits for it to exit.
   *
   * @param scenario describes the backend, in the figures printed
   * @param blockHound whether the child installs BlockHound
   * @param shutdownTimeout the child tracer's shutdown timeout
   */
  private Child run(String mode, String endpoint, String scenario, boolean blockHound, Duration shutdownTimeout)
      throws IOException, InterruptedException {
    long started = System.nanoTime();
    List<String> args = new ArrayList<>(
        List.of(mode, endpoint, Integer.toString(SPANS), Long.toString(shutdownTimeout.toMillis())));
    if (blockHound) {
      args.add("blockhound");
    }
    try (ChildProcess child = ChildProcess.java(ExitScenarioMain.class,
        blockHound ? ExitScenarioMain.BLOCKHOUND_JVM_OPTIONS : List.of(), args, dir)) {
      child.closeInput();
      child.awaitOutput(out -> out.contains("ENDED "), WORK_LIMIT);
      long workDone = System.nanoTime();
      // Polled, so main's return is seen up to a poll interval late: that only makes the bound more lenient.
      child.awaitOutput(out -> out.contains("RETURNING"), shutdownTimeout.plus(EXIT_MARGIN));
      long mainReturned = System.nanoTime();
      boolean exited = child.waitFor(shutdownTimeout.plus(EXIT_MARGIN));
      long exitedAt = System.nanoTime();
      assertThat(exited).as("the child JVM exited: %s", child.describe()).isTrue();
      System.out.printf("exit scenario %s, %s: spans ended %d ms after start, exited %d ms later (%d ms after"
              + " main returned)%n", mode, scenario, millis(workDone - started), millis(exitedAt - workDone),
          millis(exitedAt - mainReturned));
      return new Child(child.exitCode(), child.output() + child.errorOutput(),
          Duration.ofNanos(exitedAt - workDone), Duration.ofNanos(exitedAt - mainReturned));
    }
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  private static void assertEverySpanArrivedOnce(OtlpReceiver receiver) {
    List<String> names = receiver.requests().stream()
        .flatMap(request -> OtlpJson.spans(request.traces()).stream())
        .map(Span::getName)
        .toList();
    Set<String> expected = new HashSet<>();
    IntStream.range(0, SPANS).forEach(i -> expected.add("exit-" + i));
    assertThat(names).hasSize(SPANS);
    assertThat(new HashSet<>(names)).isEqualTo(expected);
  }

  /**
   * How a child JVM ended: its exit code, everything it printed, and how long it took to exit after its work
   * (ending the spans) and after {@code main} returned.
   */
  private record Child(int exitCode, String output, Duration exitedAfterWork, Duration exitedAfterMain) {}
}
