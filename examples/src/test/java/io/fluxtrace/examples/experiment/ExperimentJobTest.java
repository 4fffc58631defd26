package io.fluxtrace.examples.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.testing.ChildProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example job run as a user runs it: in a JVM of its own, against the demo's embedded receiver, without an
 * account. It must exit on its own (no {@code System.exit} on success, no thread left running) after the run,
 * with every span and score delivered.
 */
@Timeout(180)
class ExperimentJobTest {

  @Test
  void runsInItsOwnJvmDeliversEverythingAndExitsOnItsOwn(@TempDir Path logs) throws Exception {
    try (ChildProcess child = ChildProcess.java(ExperimentJob.class, List.of(), List.of("--items", "48"), logs)) {
      assertThat(child.waitFor(Duration.ofSeconds(150))).as("exited on its own: %s", child.describe()).isTrue();
      assertThat(child.exitCode()).as(child.describe()).isZero();
      String output = child.output();
      assertThat(output)
          .contains("fluxtrace experiment: 48 items, traced to the OTLP/HTTP receiver at http://127.0.0.1:")
          .contains("Experiment 'capital-cities - ")
          .contains("48 items, 0 failed, 0 evaluator failures")
          .containsPattern("exact_match\\s+48\\s+0\\.813\\s+0\\.000\\s+1\\.000")
          .contains("verdict", "correct=39", "incorrect=9")
          .contains("run: accuracy = 0.8125")
          .contains("delivery: complete")
          .containsPattern("local receiver: \\d+ spans in 48 traces, \\d+ with langfuse\\.experiment\\.id, 48 item"
              + " roots; 97 scores kept in this process")
          .containsPattern("item capital-0: trace [0-9a-f]{32}")
          // Not a terminal: plain progress lines, never a bar.
          .doesNotContain("\r[");
    }
  }

  @Test
  void printsABarWhenAskedAndRefusesBadArguments(@TempDir Path logs) throws Exception {
    try (ChildProcess child = ChildProcess.java(ExperimentJob.class, List.of(),
        List.of("--items", "5", "--progress", "bar"), logs)) {
      assertThat(child.waitFor(Duration.ofSeconds(150))).as("exited on its own: %s", child.describe()).isTrue();
      assertThat(child.exitCode()).as(child.describe()).isZero();
      assertThat(child.output()).contains("\r[##############################] 5/5  0 errors")
          .contains("5 items, 0 failed");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    for (String[] bad : List.of(new String[] {"--items", "zero"}, new String[] {"--items"},
        new String[] {"--progress", "fancy"}, new String[] {"--verbose", "1"})) {
      bytes.reset();
      assertThat(ExperimentJob.run(bad, Map.of(), out, false)).isEqualTo(2);
      assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("bad arguments: " + String.join(" ", bad), "usage:");
    }
  }
}
