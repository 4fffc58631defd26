package io.fluxtrace.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;

/**
 * A process started by a test (a JVM, {@code node}, {@code npm}), whose stdout and stderr go to files so that the
 * test can read them at any time without a reader thread. Close it in a {@code finally} block (or
 * try-with-resources): closing destroys the process if it is still running.
 *
 * <pre>{@code
 * try (ChildProcess child = ChildProcess.start(List.of("node", "server.js"), dir, logs)) {
 *   child.awaitOutput(out -> out.contains("LISTENING"), Duration.ofSeconds(30));
 *   ...
 * }
 * }</pre>
 */
@NullMarked
public final class ChildProcess implements AutoCloseable {

  private final Process process;
  private final String name;
  private final Path stdout;
  private final Path stderr;

  private ChildProcess(Process process, String name, Path stdout, Path stderr) {
    this.process = process;
    this.name = name;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code command} in {@code directory} (null: the current one), writing its output to files in
   * {@code logs}.
   */
  public static ChildProcess start(List<String> command, @Nullable Path directory, Path logs) throws IOException {
    return start(command, directory, Map.of(), logs);
  }

  /**
   * Starts {@code command} as {@link #start(List, Path, Path)} does, with {@code environment} added to (or
   * replacing variables of) this process's environment.
   */
  public static ChildProcess start(List<String> command, @Nullable Path directory, Map<String, String> environment,
      Path logs) throws IOException {
    String name = Path.of(command.get(0)).getFileName().toString();
    Path stdout = Files.createTempFile(logs, name, ".out");
    Path stderr = Files.createTempFile(logs, name, ".err");
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    builder.environment().putAll(environment);
    return new ChildProcess(builder.start(), name, stdout, stderr);
  }

  /**
   * Starts {@code mainClass} in a new JVM with this JVM's {@code java} binary and classpath, small options for a
   * short-lived program and {@code jvmOptions}, then {@code args}.
   */
  public static ChildProcess java(Class<?> mainClass, List<String> jvmOptions, List<String> args, Path logs)
      throws IOException {
    return java(mainClass, jvmOptions, args, Map.of(), logs);
  }

  /** Starts a JVM as {@link #java(Class, List, List, Path)} does, with {@code environment} added to its own. */
  public static ChildProcess java(Class<?> mainClass, List<String> jvmOptions, List<String> args,
      Map<String, String> environment, Path logs) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    command.addAll(args);
    return start(command, null, environment, logs);
  }

  /** What the process wrote to stdout so far (its last line may be incomplete while it runs). */
  public String output() {
    return read(stdout);
  }

  /** What the process wrote to stderr so far. */
  public String errorOutput() {
    return read(stderr);
  }

  /** Both outputs, for assertion messages. */
  public String describe() {
    return name + "\n--- stdout ---\n" + output() + "\n--- stderr ---\n" + errorOutput();
  }

  /**
   * Waits until stdout satisfies {@code condition}; fails, showing the outputs, if the process ends first or the
   * time runs out.
   */
  public void awaitOutput(Predicate<String> condition, Duration timeout) {
    try {
      await().atMost(timeout).pollInterval(Duration.ofMillis(20))
          .until(() -> condition.test(output()) || !process.isAlive());
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("the process did not print what was expected within " + timeout + ": "
          + describe(), e);
    }
    if (!condition.test(output())) {
      throw new AssertionError("the process ended before printing what was expected: " + describe());
    }
  }

  /** Closes its stdin, which some programs take as the signal to end. */
  public void closeInput() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits at most {@code timeout} for the process to exit; true if it did. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The exit code; the process must have exited. */
  public int exitCode() {
    return process.exitValue();
  }

  /** Whether the process is still running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Asks the process to end as an orchestrator does: {@link Process#destroy()}, which sends {@code SIGTERM} on Linux
   * and macOS, so that a JVM runs its shutdown hooks. Returns at once; follow with {@link #waitFor}.
   */
  public void terminate() {
    process.destroy();
  }

  /** Destroys the process if it still runs, and waits briefly for it to go. */
  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  private static String read(Path file) {
    try {
      // Decoded leniently: a multi-byte character may be cut in half while the process writes.
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "ChildProcess{" + name + '}';
  }
}
