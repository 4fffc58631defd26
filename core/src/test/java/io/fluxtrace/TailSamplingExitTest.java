package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acceptance: traces tail sampling still holds when a program ends are decided by shutdown and the kept ones
 * delivered, in a separate JVM ({@link TailSamplingExitMain}) exporting to a real HTTP receiver in this JVM.
 */
@Timeout(120)
class TailSamplingExitTest {

  private static final int TRACES = 1_000;
  /** Its last quarter (2 s) delivers what shutdown released: room for one retry after a connection error. */
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(8);
  private static final Duration LIMIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"close", "return"})
  void heldTracesAreDecidedAtExitAndEveryFailedOneArrivesWhole(String mode) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start();
        ChildProcess child = ChildProcess.java(TailSamplingExitMain.class, List.of(),
            List.of(mode, receiver.url("/v1/traces"), Integer.toString(TRACES),
                Long.toString(SHUTDOWN_TIMEOUT.toMillis())), dir)) {
      child.closeInput();
      child.awaitOutput(out -> out.contains("RETURNING"), LIMIT);
      assertThat(child.waitFor(LIMIT)).as("the child JVM exited: %s", child.describe()).isTrue();
      String output = child.output() + child.errorOutput();
      assertThat(child.exitCode()).as(output).isZero();
      assertThat(output).contains("ENDED held=" + TRACES);
      if (mode.equals("close")) {
        // 100 failed traces kept whole (child, and root ended by shutdown); 900 sampled out with their roots.
        assertThat(output).contains("CLOSED exported=200 sampledOut=1800 held=0 failed=0 dropped=0");
      }
      List<Span> spans = receiver.requests().stream()
          .flatMap(request -> OtlpJson.spans(request.traces()).stream())
          .toList();
      Set<String> expected = new HashSet<>();
      IntStream.range(0, TRACES).filter(i -> i % 10 == 0).forEach(i -> {
        expected.add("root-" + i);
        expected.add("child-" + i);
      });
      assertThat(spans).hasSize(expected.size());
      assertThat(spans.stream().map(Span::getName).collect(java.util.stream.Collectors.toSet())).isEqualTo(expected);
    }
  }
}
