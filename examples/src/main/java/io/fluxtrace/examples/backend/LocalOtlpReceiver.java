package io.fluxtrace.examples.backend;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A real OTLP/HTTP traces receiver on {@code 127.0.0.1} and a free port, in this process. {@code POST /v1/traces}
 * with an OTLP body, protobuf ({@code Content-Type: application/x-protobuf}, the tracer's default) or JSON (any
 * other type), gzip-compressed or not, is decoded and handed to the listener, and answered {@code 200 {}} as the
 * OpenTelemetry Collector and Langfuse answer an accepted export. A body that is not an OTLP export request gets
 * {@code 400}, so an encoding mistake shows as failed spans in the tracer's stats.
 */
public final class LocalOtlpReceiver implements AutoCloseable {

  /** The OTLP/HTTP traces path. */
  public static final String PATH = "/v1/traces";

  private static final Logger log = Loggers.getLogger(LocalOtlpReceiver.class);

  private final Consumer<List<ReceivedSpan>> listener;
  private @Nullable DisposableServer server;

  private LocalOtlpReceiver(Consumer<List<ReceivedSpan>> listener) {
    this.listener = listener;
  }

  /**
   * Starts listening. {@code listener} gets the spans of each request, on the receiver's event loop and possibly
   * from several connections at once, before the request is answered: once a flush has completed, the listener
   * has seen every span it delivered.
   */
  public static LocalOtlpReceiver start(Consumer<List<ReceivedSpan>> listener) {
    LocalOtlpReceiver receiver = new LocalOtlpReceiver(Objects.requireNonNull(listener, "listener"));
    receiver.server = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .route(routes -> routes.post(PATH, receiver::handle))
        .bindNow(Duration.ofSeconds(10));
    return receiver;
  }

  /** The URL to export to: {@code http://127.0.0.1:<port>/v1/traces}. */
  public String tracesUrl() {
    return "http://127.0.0.1:" + Objects.requireNonNull(server).port() + PATH;
  }

  private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
    boolean gzip = "gzip".equalsIgnoreCase(request.requestHeaders().get(HttpHeaderNames.CONTENT_ENCODING));
    String contentType = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE, "");
    boolean protobuf = contentType.toLowerCase(Locale.ROOT).startsWith("application/x-protobuf");
    return request.receive()
        .aggregate()
        .asByteArray()
        .defaultIfEmpty(new byte[0])
        .flatMap(body -> {
          List<ReceivedSpan> spans;
          try {
            byte[] plain = gzip ? gunzip(body) : body;
            spans = protobuf ? OtlpProtoDecoder.decode(plain) : OtlpJsonDecoder.decode(plain);
          } catch (IllegalArgumentException | UncheckedIOException e) {
            log.warn("local OTLP receiver: rejected a request: {}", e.getMessage());
            return answer(response, HttpResponseStatus.BAD_REQUEST, "{\"message\":\"not an OTLP export request\"}");
          }
          listener.accept(spans);
          return answer(response, HttpResponseStatus.OK, "{}");
        });
  }

  private static Mono<Void> answer(HttpServerResponse response, HttpResponseStatus status, String body) {
    return response.status(status)
        .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .sendString(Mono.just(body))
        .then();
  }

  private static byte[] gunzip(byte[] body) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("the body is not valid gzip", e);
    }
  }

  /** Stops listening. */
  @Override
  public void close() {
    DisposableServer s = server;
    if (s != null) {
      s.disposeNow(Duration.ofSeconds(5));
    }
  }

  @Override
  public String toString() {
    return "LocalOtlpReceiver{" + (server != null ? tracesUrl() : "not started") + '}';
  }
}
