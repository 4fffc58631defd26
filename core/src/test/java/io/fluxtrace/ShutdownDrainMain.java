package io.fluxtrace;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import reactor.util.Loggers;

/**
 * A short-lived program for {@link ShutdownDrainExitTest}, run in its own JVM with the real tracer and its default
 * shutdown hook. It prints its progress to stdout for the test to read (this is not library code).
 *
 * <p>Arguments: the mode, the OTLP endpoint URL, the shutdown timeout in milliseconds. Modes:
 *
 * <ul>
 *   <li>{@code idle}: ends one span and returns from {@code main}; nothing is open at exit.
 *   <li>{@code inflight}: starts {@value #REQUESTS} requests on threads of their own, each with an open span, then
 *       calls {@code System.exit(0)}. Like a host's graceful shutdown, the requests go on once the JVM's exit has
 *       begun: each starts and ends a step and ends its request span after the shutdown hooks started.
 *   <li>{@code exit-inside-step}: calls {@code System.exit(3)} from inside a traced step, whose span can then never
 *       end.
 * </ul>
 */
public final class ShutdownDrainMain {

  static final int REQUESTS = 20;
  /** How long the simulated requests go on after the JVM's exit has begun: the host finishing its work. */
  static final Duration REQUEST_TAIL = Duration.ofMillis(500);

  private ShutdownDrainMain() {}

  public static void main(String[] args) throws InterruptedException {
    // Reactor's console logger, as in an application without SLF4J (see ExitScenarioMain).
    Loggers.useConsoleLoggers();
    String mode = args[0];
    FluxTracer tracer = FluxTracer.builder(Map.of())
        .otlpEndpoint(args[1])
        .serviceName("shutdown-drain")
        .shutdownTimeout(Duration.ofMillis(Long.parseLong(args[2])))
        .build();
    switch (mode) {
      case "idle" -> {
        tracer.startSpan("idle", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
        System.out.println("RETURNING");
      }
      case "inflight" -> inflight(tracer);
      case "exit-inside-step" -> {
        Span step = tracer.startSpan("step", ObservationType.TOOL, null, TraceAttributes.EMPTY).input("rm -rf");
        System.out.println("EXITING " + step.context().spanId());
        System.exit(3);
      }
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
  }

  private static void inflight(FluxTracer tracer) throws InterruptedException {
    CountDownLatch exitStarted = new CountDownLatch(1);
    // Runs at the same time as the tracer's hook, as a host's shutdown does.
    Runtime.getRuntime().addShutdownHook(new Thread(exitStarted::countDown, "host-shutdown"));
    CountDownLatch started = new CountDownLatch(REQUESTS);
    List<Thread> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      int n = i;
      Thread request = new Thread(() -> {
        Span span = tracer.startSpan("request-" + n, ObservationType.SPAN, null, TraceAttributes.EMPTY);
        started.countDown();
        try {
          exitStarted.await();
          // The request's remaining work, done while the JVM is already shutting down.
          Thread.sleep(REQUEST_TAIL.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        tracer.startSpan("step-" + n, ObservationType.TOOL, span.context(), TraceAttributes.EMPTY).end();
        span.output("answer " + n).end();
        System.out.println("ANSWERED " + n);
      }, "request-" + n);
      request.setDaemon(true);
      requests.add(request);
      request.start();
    }
    started.await();
    System.out.println("EXITING");
    System.exit(0);
  }
}
