package io.fluxtrace.benchmarks;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An OTLP/HTTP receiver on loopback that reads every request body, discards it and answers 200 with an empty body:
 * the cheapest backend there is, so that an export benchmark measures the exporter. It counts requests and body
 * bytes, and can keep one request body (with its {@code Content-Encoding}) for replaying it.
 */
final class LoopbackReceiver implements AutoCloseable {

  /** A request body as received, with the headers needed to send it again. */
  record CapturedBody(byte[] body, String contentType, @Nullable String contentEncoding) {}

  private final DisposableServer server;
  private final LongAdder requests = new LongAdder();
  private final LongAdder bodyBytes = new LongAdder();
  private final AtomicReference<@Nullable CompletableFuture<CapturedBody>> capture = new AtomicReference<>();

  private LoopbackReceiver() {
    this.server = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .handle((request, response) -> {
          CompletableFuture<CapturedBody> wanted = capture.getAndSet(null);
          Mono<Void> read;
          if (wanted != null) {
            String contentType = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE, "application/json");
            String encoding = request.requestHeaders().get(HttpHeaderNames.CONTENT_ENCODING);
            read = request.receive().aggregate().asByteArray()
                .doOnNext(body -> {
                  bodyBytes.add(body.length);
                  wanted.complete(new CapturedBody(body, contentType, encoding));
                })
                .then();
          } else {
            read = request.receive().doOnNext(buffer -> bodyBytes.add(buffer.readableBytes())).then();
          }
          return read.then(Mono.defer(() -> {
            requests.increment();
            return response.status(HttpResponseStatus.OK).header(HttpHeaderNames.CONTENT_LENGTH, "0").send();
          }));
        })
        .bindNow(Duration.ofSeconds(10));
  }

  /** Starts a receiver on a free loopback port. */
  static LoopbackReceiver start() {
    return new LoopbackReceiver();
  }

  /** The URL to post OTLP traces to. */
  String tracesUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1/traces";
  }

  int port() {
    return server.port();
  }

  /** Completes with the body of the next request. */
  CompletableFuture<CapturedBody> captureNextBody() {
    CompletableFuture<CapturedBody> future = new CompletableFuture<>();
    capture.set(future);
    return future;
  }

  long requests() {
    return requests.sum();
  }

  long bodyBytes() {
    return bodyBytes.sum();
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
  }
}
