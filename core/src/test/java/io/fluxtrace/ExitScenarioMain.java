package io.fluxtrace;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import reactor.blockhound.BlockHound;
import reactor.util.Loggers;

/**
 * A short-lived program for {@link ExitBehaviourTest}, run in its own JVM: it ends spans with the real tracer
 * (shutdown hook on, as by default), then either closes the tracer or simply returns from {@code main}, and the
 * JVM exits right after. It prints its progress to stdout for the test to read (this is not library code).
 *
 * <p>Arguments: {@code close|return}, the OTLP endpoint URL, the number of spans, the shutdown timeout in
 * milliseconds, and optionally {@code blockhound} to install BlockHound first (the JVM then needs
 * {@link #BLOCKHOUND_JVM_OPTIONS}).
 */
public final class ExitScenarioMain {

  /** What BlockHound needs on JDK 13 and later, as the build's surefire configuration gives the test JVM. */
  static final List<String> BLOCKHOUND_JVM_OPTIONS =
      List.of("-XX:+AllowRedefinitionToAddDeleteMethods", "-XX:+EnableDynamicAgentLoading");

  private ExitScenarioMain() {}

  public static void main(String[] args) {
    if (args.length > 4 && args[4].equals("blockhound")) {
      // Before anything else touches Reactor or Netty: this JVM is as fresh as an application's.
      BlockHound.install();
    }
    // Reactor's console logger, as in an application without SLF4J. The test classpath has slf4j-jdk14 (for the
    // schema validator), and java.util.logging resets its handlers in a shutdown hook of its own, which would
    // swallow what our shutdown hook logs.
    Loggers.useConsoleLoggers();
    String mode = args[0];
    String endpoint = args[1];
    int spans = Integer.parseInt(args[2]);
    Duration shutdownTimeout = Duration.ofMillis(Long.parseLong(args[3]));
    FluxTracer tracer = FluxTracer.builder(Map.of())
        .otlpEndpoint(endpoint)
        .serviceName("exit-scenario")
        .shutdownTimeout(shutdownTimeout)
        .build();
    TraceAttributes attributes = TraceAttributes.builder().sessionId("exit-" + mode).build();
    for (int i = 0; i < spans; i++) {
      tracer.startSpan("exit-" + i, ObservationType.SPAN, null, attributes).input(i).end();
    }
    System.out.println("ENDED " + spans);
    if (mode.equals("close")) {
      tracer.close();
      TracerStats stats = tracer.stats();
      System.out.println("CLOSED exported=" + stats.exported() + " failed=" + stats.failed()
          + " shutdownDeadline=" + stats.failed(FailureReason.SHUTDOWN_DEADLINE) + " dropped=" + stats.dropped()
          + " queued=" + stats.queuedSpans());
    } else if (!mode.equals("return")) {
      throw new IllegalArgumentException("mode must be close or return, got " + mode);
    }
    System.out.println("RETURNING");
  }
}
