package io.fluxtrace.reactor;

import java.time.Duration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * A plain Spring WebFlux application on reactor-netty, on a loopback port: the README's tracing filter in front of
 * the routes, and a {@link WebClient} with the README's trace-propagating filter.
 */
final class WebFluxTestServer implements AutoCloseable {

  final WebClient client;
  private final DisposableServer server;
  private final ConnectionProvider connections;

  private WebFluxTestServer(DisposableServer server, ConnectionProvider connections, WebClient client) {
    this.server = server;
    this.connections = connections;
    this.client = client;
  }

  /** Starts the routes; the client may open up to {@code maxConnections} connections at once. */
  static WebFluxTestServer start(RouterFunction<ServerResponse> routes, int maxConnections) {
    HttpHandler handler = WebHttpHandlerBuilder.webHandler(RouterFunctions.toWebHandler(routes))
        .filter(ReadmeExamplesTest.TRACING)
        .build();
    DisposableServer server = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .handle(new ReactorHttpHandlerAdapter(handler))
        .bindNow(Duration.ofSeconds(30));
    ConnectionProvider connections = ConnectionProvider.builder("fluxtrace-test")
        .maxConnections(maxConnections)
        .pendingAcquireMaxCount(-1)
        .build();
    WebClient client = WebClient.builder()
        .baseUrl("http://127.0.0.1:" + server.port())
        .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
        .filter(ReadmeExamplesTest.PROPAGATE_TRACE)
        .build();
    return new WebFluxTestServer(server, connections, client);
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(30));
    connections.disposeLater().block(Duration.ofSeconds(30));
  }
}
