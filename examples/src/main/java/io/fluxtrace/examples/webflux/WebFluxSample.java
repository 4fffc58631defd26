package io.fluxtrace.examples.webflux;

import io.fluxtrace.examples.backend.Backend;
import io.fluxtrace.examples.backend.LiveTraces;
import io.fluxtrace.reactor.ReactorTracing;
import java.time.Duration;

/**
 * Runs the WebFlux sample: {@code java -cp examples/target/fluxtrace-demo.jar
 * io.fluxtrace.examples.webflux.WebFluxSample [--port 8080]}. Without Langfuse keys, each trace is printed here
 * shortly after its request ends. Stop it with Ctrl-C: the tracer delivers what is left before the JVM exits.
 */
public final class WebFluxSample {

  static final int DEFAULT_PORT = 8080;
  /**
   * A trace is printed once its root has arrived and none of its spans has for this long: a child's batch may
   * arrive just after the root's.
   */
  private static final Duration GRACE = Duration.ofSeconds(1);

  private WebFluxSample() {}

  /** Starts the server and waits until the JVM is stopped. */
  public static void main(String[] args) {
    int port = DEFAULT_PORT;
    if (args.length == 2 && args[0].equals("--port") && args[1].matches("\\d{1,5}")) {
      port = Integer.parseInt(args[1]);
    } else if (args.length != 0) {
      System.out.println("usage: java -cp examples/target/fluxtrace-demo.jar " + WebFluxSample.class.getName()
          + " [--port N]   (default " + DEFAULT_PORT + ")");
      System.exit(2);
    }
    LiveTraces traces = new LiveTraces(GRACE, trace -> System.out.println(trace));
    Backend backend = Backend.fromEnvironment(System.getenv(), "fluxtrace-webflux-sample", traces);
    ChatServer server = ChatServer.start(ReactorTracing.create(backend.tracer()), "127.0.0.1", port);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      backend.close();
      traces.dispose();
    }, "webflux-sample-shutdown"));
    System.out.println("fluxtrace WebFlux sample on http://localhost:" + server.port() + ", traced to "
        + backend.description());
    System.out.println("Try: curl -N -H 'x-user-id: alice' -H 'x-session-id: chat-1' --data 'What is fluxtrace?'"
        + " http://localhost:" + server.port() + "/chat");
    server.onDispose().block();
  }
}
