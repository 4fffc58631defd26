package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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

  @Test
  void closeThenReturningFromMainDeliversEverySpan() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      Child child = run("close", receiver.url("/v1/traces"));

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
      Child child = run("return", receiver.url("/v1/traces"));

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

    Child child = run(mode, endpoint);

    assertThat(child.exitCode).as(child.output).isZero();
    assertThat(child.exitedAfterWork).as("exited within the shutdown timeout and the margin")
        .isLessThan(SHUTDOWN_TIMEOUT.plus(EXIT_MARGIN));
    // The library's own warning, through Reactor's Loggers (to the console: there is no SLF4J on this classpath).
    assertThat(child.output).contains("fluxtrace: " + SPANS + " spans were still undelivered when the shutdown"
        + " deadline (" + SHUTDOWN_TIMEOUT + ") passed; they are counted as failed (SHUTDOWN_DEADLINE)");
    if (mode.equals("close")) {
      assertThat(child.exitedAfterMain).as("exited once main returned").isLessThan(EXIT_AFTER_CLOSE);
      assertThat(child.output).contains("CLOSED exported=0 failed=" + SPANS + " shutdownDeadline=" + SPANS
          + " dropped=0 queued=0");
    }
  }

  /** Runs {@link ExitScenarioMain} in a new JVM with this JVM's binary and classpath, and waits for it to exit. */
  private Child run(String mode, String endpoint) throws IOException, InterruptedException {
    Path log = Files.createTempFile(dir, mode, ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java,
        // A short-lived process: small heap, and no need for the optimizing compiler.
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        ExitScenarioMain.class.getName(),
        mode, endpoint, Integer.toString(SPANS), Long.toString(SHUTDOWN_TIMEOUT.toMillis())));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    try {
      process.getOutputStream().close();
      await().atMost(WORK_LIMIT).until(() -> read(log).contains("ENDED ") || !process.isAlive());
      long workDone = System.nanoTime();
      // Polled, so main's return is seen up to a poll interval late: that only makes the bound more lenient.
      await().atMost(SHUTDOWN_TIMEOUT.plus(EXIT_MARGIN)).pollInterval(Duration.ofMillis(20))
          .until(() -> read(log).contains("RETURNING") || !process.isAlive());
      long mainReturned = System.nanoTime();
      boolean exited = process.waitFor(SHUTDOWN_TIMEOUT.plus(EXIT_MARGIN).toMillis(), TimeUnit.MILLISECONDS);
      long exitedAt = System.nanoTime();
      String output = read(log);
      assertThat(exited).as("the child JVM exited; its output:%n%s", output).isTrue();
      assertThat(output).as("the child got to the end of its work").contains("ENDED " + SPANS, "RETURNING");
      return new Child(process.exitValue(), output, Duration.ofNanos(exitedAt - workDone),
          Duration.ofNanos(exitedAt - mainReturned));
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String read(Path log) {
    try {
      return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertEverySpanArrivedOnce(OtlpReceiver receiver) {
    List<String> names = receiver.requests().stream()
        .flatMap(request -> OtlpJson.spans(OtlpJson.parse(request.body())).stream())
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
