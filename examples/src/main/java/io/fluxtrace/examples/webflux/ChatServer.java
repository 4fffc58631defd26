package io.fluxtrace.examples.webflux;

import io.fluxtrace.examples.rag.DocumentIndex;
import io.fluxtrace.examples.rag.FakeChatModel;
import io.fluxtrace.examples.rag.RagPipeline;
import io.fluxtrace.reactor.ReactorTracing;
import java.time.Duration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** The sample's server: the chat route behind the tracing filter, on reactor-netty. */
public final class ChatServer implements AutoCloseable {

  /** How long the fake model waits between chunks: slow enough to watch the stream with curl. */
  static final Duration CHUNK_DELAY = Duration.ofMillis(50);

  private final DisposableServer server;

  private ChatServer(DisposableServer server) {
    this.server = server;
  }

  /** Listens on {@code host} and {@code port} (0 for a free one); traces with {@code tracing}. */
  public static ChatServer start(ReactorTracing tracing, String host, int port) {
    RagPipeline pipeline = new RagPipeline(tracing, new DocumentIndex(), new FakeChatModel(CHUNK_DELAY));
    ChatHandler chat = new ChatHandler(tracing, pipeline);
    RouterFunction<ServerResponse> routes = RouterFunctions.route()
        .POST("/chat", chat::chat)
        .build();
    HttpHandler handler = WebHttpHandlerBuilder.webHandler(RouterFunctions.toWebHandler(routes))
        .filter(new TracingWebFilter())
        .build();
    DisposableServer server = HttpServer.create()
        .host(host)
        .port(port)
        .handle(new ReactorHttpHandlerAdapter(handler))
        .bindNow(Duration.ofSeconds(10));
    return new ChatServer(server);
  }

  /** The port it listens on. */
  public int port() {
    return server.port();
  }

  /** Completes when the server has stopped. */
  public Mono<Void> onDispose() {
    return server.onDispose();
  }

  /** Stops listening; requests in progress are given a few seconds to finish. */
  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(5));
  }
}
