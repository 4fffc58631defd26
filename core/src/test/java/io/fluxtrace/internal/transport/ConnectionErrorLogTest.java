package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Score;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.testing.ChildProcess;
import io.fluxtrace.testing.LangfuseIngestion;
import io.fluxtrace.testing.LogCapture;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connection errors of an export (resets, a server that hangs up before answering) are logged by fluxtrace, rate
 * limited, with what helps (the error's class and message, the endpoint, counts), and not by Reactor Netty as a
 * stack trace at WARN per error. Run in a fresh JVM: Reactor Netty takes its loggers once, when its classes load,
 * so the capture must be installed before any of them loads.
 */
@Timeout(120)
class ConnectionErrorLogTest {

  private static final int SPANS = 5;

  /** The fresh JVM: capture the logs, export through resets and hang-ups, print every WARN and ERROR. */
  public static void main(String[] args) {
    LogCapture logs = LogCapture.install();
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      receiver.respondWith(request -> request.path().startsWith(LangfuseIngestion.PATH)
          ? LangfuseIngestion.allSucceeded(request) : Reply.ok());
      FluxTracer tracer = FluxTracer.builder(Map.of())
          .publicKey("pk-lf-0123456789abcdef")
          .secretKey("sk-lf-secret-fedcba9876543210")
          .baseUrl(receiver.baseUrl())
          .shutdownHook(false)
          .flushAt(1)
          .initialBackoff(Duration.ofMillis(10))
          .maxBackoff(Duration.ofMillis(20))
          .maxExportAttempts(5)
          .build();
      for (int i = 0; i < SPANS; i++) {
        // Four failures, then an answer: every span is delivered, after four connection errors.
        receiver.enqueue(Reply.resetConnection(), Reply.closeConnection(), Reply.resetConnection(),
            Reply.cutOffAfterHeaders(503));
        tracer.startSpan("span-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
        tracer.flushBlocking(Duration.ofSeconds(30));
      }
      receiver.enqueue(Reply.resetConnection(), Reply.closeConnection());
      tracer.score(Score.numeric("accuracy", 1).traceId("0123456789abcdef0123456789abcdef").build());
      tracer.close();
      System.out.println("EXPORTED " + tracer.stats().exported() + " SCORES " + tracer.stats().scores().exported()
          + " REQUESTS " + receiver.requestCount());
    }
    for (LogCapture.Entry entry : logs.entries()) {
      if (entry.level().equals("WARN") || entry.level().equals("ERROR")) {
        System.out.println("LOG " + entry.toString().replace('\n', '|'));
      }
    }
    System.out.println("DONE");
  }

  @Test
  void connectionErrorsAreOurRateLimitedLineNotReactorNettyStackTraces(@TempDir Path dir) throws Exception {
    try (ChildProcess child = ChildProcess.java(ConnectionErrorLogTest.class, List.of(), List.of(), dir)) {
      child.awaitOutput(out -> out.contains("DONE"), Duration.ofSeconds(90));
      String out = child.output();
      // Every span and the score got through: the errors still fail the attempt and the policy retries.
      assertThat(out).as(child.describe()).contains("EXPORTED " + SPANS + " SCORES 1");
      List<String> logged = out.lines().filter(line -> line.startsWith("LOG ")).toList();
      assertThat(logged).as(child.describe()).noneMatch(line -> line.contains(" reactor.netty."));
      // 4 errors per span and 2 for the score, in one line a minute: the first, with the error and endpoint.
      assertThat(logged).as(child.describe()).hasSize(1);
      assertThat(logged.get(0))
          .startsWith("LOG WARN io.fluxtrace.internal.transport.HttpTransport: fluxtrace: export connection to"
              + " http://127.0.0.1:")
          .containsPattern("failed: [\\w.$]+(Exception|Error)[^:]*: .*[Rr]eset")
          .contains("connection errors so far: 1;");
    }
  }
}
