package io.fluxtrace.testing;

import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * A real OTLP/HTTP receiver on {@code 127.0.0.1} and a random port, for tests in every module. It accepts a
 * request on any path and method, records it, and answers {@code 200 {}} unless told otherwise.
 *
 * <p>Faults are scripted: {@link #enqueue} queues replies used one per request, in order; once the queue is
 * empty, {@link #respondWith} decides (default {@link Reply#ok()}). Replies cover statuses, {@code 429} with
 * {@code Retry-After}, slow answers (a non-blocking delay on the server's event loop, in real time, unaffected by
 * virtual time), a connection closed or reset before the answer, and an answer cut off after its headers.
 * {@link #stop()} and {@link #start()} take the server down and up on the same port, so that clients get
 * connection refusals in between.
 *
 * <p>It has its own event loop thread, apart from reactor-netty's shared loops that clients use.
 * {@link ReceivedRequest#traces()} parses a traces request in whichever format its {@code Content-Type} names,
 * protobuf (the tracer's default) or JSON, with the official OTLP definitions; {@link OtlpJson} reads the spans.
 *
 * <pre>{@code
 * try (OtlpReceiver receiver = OtlpReceiver.start()) {
 *   receiver.enqueue(Reply.status(503), Reply.retryAfterSeconds(2));
 *   ... export to receiver.url("/v1/traces") ...
 *   List<ReceivedRequest> requests = receiver.awaitRequests(3);
 * }
 * }</pre>
 */
@NullMarked
public final class OtlpReceiver implements AutoCloseable {

  /** How long the await helpers wait by default. */
  public static final Duration DEFAULT_AWAIT = Duration.ofSeconds(10);

  private final LoopResources loops = LoopResources.create("otlp-receiver", 1, true);
  /** Every open connection, so that stop() can close them: disposing the server only stops listening. */
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final CopyOnWriteArrayList<ReceivedRequest> requests = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Reply> queued = new ConcurrentLinkedQueue<>();
  private volatile Function<ReceivedRequest, Reply> responder = request -> Reply.ok();
  private volatile @Nullable DisposableServer server;
  private volatile int port;
  private final @Nullable SslContext tls;

  private OtlpReceiver(@Nullable SslContext tls) {
    this.tls = tls;
  }

  /** A receiver listening on 127.0.0.1 and a free port. */
  public static OtlpReceiver start() {
    OtlpReceiver receiver = new OtlpReceiver(null);
    receiver.bind(0);
    return receiver;
  }

  /** A receiver speaking HTTPS with {@code serverContext} (its certificate and key), on 127.0.0.1 and a free port. */
  public static OtlpReceiver startTls(SslContext serverContext) {
    OtlpReceiver receiver = new OtlpReceiver(serverContext);
    receiver.bind(0);
    return receiver;
  }

  /** Listens again on the same port after {@link #stop()}. Does nothing when already listening. */
  public synchronized OtlpReceiver restart() {
    if (server == null) {
      bind(port);
    }
    return this;
  }

  /** Stops listening, so that connections are refused until {@link #restart()}. Open connections are closed. */
  public synchronized OtlpReceiver stop() {
    DisposableServer s = server;
    if (s != null) {
      server = null;
      s.disposeNow(Duration.ofSeconds(5));
    }
    // Otherwise a client's pooled keep-alive connection would still reach the stopped receiver.
    connections.close().awaitUninterruptibly(Duration.ofSeconds(5).toMillis());
    return this;
  }

  private synchronized void bind(int wantedPort) {
    HttpServer http = HttpServer.create();
    SslContext context = tls;
    if (context != null) {
      http = http.secure(spec -> spec.sslContext(context));
    }
    DisposableServer s = http
        .host("127.0.0.1")
        .port(wantedPort)
        .runOn(loops)
        .channelGroup(connections)
        .handle(this::handle)
        .bindNow(Duration.ofSeconds(10));
    port = s.port();
    server = s;
  }

  /** The port, the same across {@link #stop()} and {@link #restart()}. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>} ({@code https://} with TLS), to use as a Langfuse base URL. */
  public String baseUrl() {
    return (tls != null ? "https" : "http") + "://127.0.0.1:" + port;
  }

  /** {@link #baseUrl()} followed by {@code path}, to use as an OTLP endpoint. */
  public String url(String path) {
    return baseUrl() + (path.startsWith("/") ? path : "/" + path);
  }

  /** Queues replies, used one per request in order, before the {@link #respondWith responder} is asked. */
  public OtlpReceiver enqueue(Reply... replies) {
    for (Reply reply : replies) {
      queued.add(Objects.requireNonNull(reply, "reply"));
    }
    return this;
  }

  /** Decides the reply to every request once the queue is empty. Called on the receiver's event loop. */
  public OtlpReceiver respondWith(Function<ReceivedRequest, Reply> responder) {
    this.responder = Objects.requireNonNull(responder, "responder");
    return this;
  }

  /** Forgets the recorded requests and queued replies, and answers 200 again. */
  public OtlpReceiver reset() {
    requests.clear();
    queued.clear();
    responder = request -> Reply.ok();
    return this;
  }

  /** The requests received so far, in arrival order. */
  public List<ReceivedRequest> requests() {
    return new ArrayList<>(requests);
  }

  /** How many requests were received so far. */
  public int requestCount() {
    return requests.size();
  }

  /** Waits up to {@link #DEFAULT_AWAIT} for at least {@code count} requests and returns all received so far. */
  public List<ReceivedRequest> awaitRequests(int count) {
    return awaitRequests(count, DEFAULT_AWAIT);
  }

  /** Waits up to {@code timeout} for at least {@code count} requests and returns all received so far. */
  public List<ReceivedRequest> awaitRequests(int count, Duration timeout) {
    await().atMost(timeout).until(() -> requests.size() >= count);
    return requests();
  }

  /** Waits for the first request and returns it. */
  public ReceivedRequest awaitRequest() {
    return awaitRequests(1).get(0);
  }

  private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
    HttpHeaders headers = new DefaultHttpHeaders().set(request.requestHeaders());
    return request.receive()
        .aggregate()
        .asByteArray()
        .defaultIfEmpty(new byte[0])
        .flatMap(body -> {
          ReceivedRequest received = new ReceivedRequest(request.method().name(), request.uri(), headers, body);
          Reply reply = queued.poll();
          if (reply == null) {
            reply = responder.apply(received);
          }
          requests.add(received);
          return answer(reply, request, response);
        });
  }

  private static Mono<Void> answer(Reply reply, HttpServerRequest request, HttpServerResponse response) {
    Mono<?> gate = reply.gate;
    if (gate != null) {
      // Cancelled with the connection's handler if the connection goes away first.
      return gate.then(Mono.defer(() -> answerNow(reply, request, response)));
    }
    if (reply.delay.isZero()) {
      return answerNow(reply, request, response);
    }
    // A timer on this connection's event loop: real time, no thread parked, and untouched by virtual time.
    return Mono.<Void>create(sink -> request.withConnection(connection -> {
          ScheduledFuture<?> timer = connection.channel().eventLoop()
              .schedule((Runnable) sink::success, reply.delay.toMillis(), TimeUnit.MILLISECONDS);
          sink.onCancel(() -> timer.cancel(false));
        }))
        .then(Mono.defer(() -> answerNow(reply, request, response)));
  }

  private static Mono<Void> answerNow(Reply reply, HttpServerRequest request, HttpServerResponse response) {
    switch (reply.kind) {
      case CLOSE:
      case RESET:
        request.withConnection(connection -> close(connection.channel(), reply.kind == Kind.RESET));
        return Mono.never();
      case PARTIAL:
        // Written below the HTTP codec, straight to the socket: a status line and headers that promise more
        // body than follows, then a hang-up.
        String head = "HTTP/1.1 " + HttpResponseStatus.valueOf(reply.status) + "\r\n"
            + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"partial\":";
        request.withConnection(connection -> connection.channel().pipeline().firstContext()
            .writeAndFlush(Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII))
            .addListener(written -> close(connection.channel(), false)));
        return Mono.never();
      case STATUS:
      default:
        if (reply.status == 204) {
          // No body and no Content-Type, as HTTP wants of a 204 (Langfuse's PATCH of a media record answers one).
          return response.status(HttpResponseStatus.NO_CONTENT).send();
        }
        response.status(HttpResponseStatus.valueOf(reply.status))
            .header(HttpHeaderNames.CONTENT_TYPE, "application/json");
        if (reply.retryAfter != null) {
          response.header(HttpHeaderNames.RETRY_AFTER, reply.retryAfter);
        }
        ByteBuf body = Unpooled.copiedBuffer(reply.body, StandardCharsets.UTF_8);
        response.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.readableBytes()));
        return response.send(Mono.just(body)).then();
    }
  }

  private static void close(Channel channel, boolean reset) {
    if (reset) {
      // Linger 0 makes the kernel send RST instead of FIN.
      channel.config().setOption(ChannelOption.SO_LINGER, 0);
    }
    channel.close();
  }

  /** Stops the server and its event loop. */
  @Override
  public void close() {
    stop();
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
  }

  @Override
  public String toString() {
    return "OtlpReceiver{" + baseUrl() + ", requests=" + requests.size() + '}';
  }

  private enum Kind { STATUS, CLOSE, RESET, PARTIAL }

  /** How the receiver answers one request. Immutable; build with the static factories. */
  public static final class Reply {

    private final Kind kind;
    private final int status;
    private final String body;
    private final @Nullable String retryAfter;
    private final Duration delay;
    private final @Nullable Mono<?> gate;

    private Reply(Kind kind, int status, String body, @Nullable String retryAfter, Duration delay,
        @Nullable Mono<?> gate) {
      this.kind = kind;
      this.status = status;
      this.body = body;
      this.retryAfter = retryAfter;
      this.delay = delay;
      this.gate = gate;
    }

    /** {@code 200 {}}, as Langfuse answers an accepted export. */
    public static Reply ok() {
      return status(200, "{}");
    }

    /** {@code status} with a small JSON body. */
    public static Reply status(int status) {
      return status(status, status == 200 ? "{}" : "{\"message\":\"injected " + status + "\"}");
    }

    /** {@code status} with {@code body}. */
    public static Reply status(int status, String body) {
      return new Reply(Kind.STATUS, status, body, null, Duration.ZERO, null);
    }

    /** {@code 429} with {@code Retry-After: <seconds>}. */
    public static Reply retryAfterSeconds(long seconds) {
      return retryAfter(429, Long.toString(seconds));
    }

    /** {@code 429} with {@code Retry-After} as an HTTP date. */
    public static Reply retryAfterDate(ZonedDateTime at) {
      return retryAfter(429, DateTimeFormatter.RFC_1123_DATE_TIME.format(at));
    }

    /** {@code status} with a raw {@code Retry-After} value, for malformed values too. */
    public static Reply retryAfter(int status, String value) {
      return new Reply(Kind.STATUS, status, "{\"message\":\"slow down\"}", value, Duration.ZERO, null);
    }

    /** Reads the request, then closes the connection without answering (a FIN). */
    public static Reply closeConnection() {
      return new Reply(Kind.CLOSE, 0, "", null, Duration.ZERO, null);
    }

    /** Reads the request, then resets the connection without answering (a TCP RST). */
    public static Reply resetConnection() {
      return new Reply(Kind.RESET, 0, "", null, Duration.ZERO, null);
    }

    /** Sends the status line and headers of {@code status} and part of the body, then closes the connection. */
    public static Reply cutOffAfterHeaders(int status) {
      return new Reply(Kind.PARTIAL, status, "", null, Duration.ZERO, null);
    }

    /** This reply, sent after {@code delay} (real time, on the receiver's event loop). */
    public Reply after(Duration delay) {
      return new Reply(kind, status, body, retryAfter, Objects.requireNonNull(delay, "delay"), null);
    }

    /**
     * This reply, sent once {@code gate} completes: held for exactly as long as the test needs, where a delay
     * would be a guess at how long the test takes on a loaded machine.
     */
    public Reply until(Mono<?> gate) {
      return new Reply(kind, status, body, retryAfter, Duration.ZERO, Objects.requireNonNull(gate, "gate"));
    }

    @Override
    public String toString() {
      return kind + (status > 0 ? " " + status : "") + (retryAfter != null ? " Retry-After " + retryAfter : "")
          + (delay.isZero() ? "" : " after " + delay) + (gate == null ? "" : " once released");
    }
  }

  /**
   * A request as received.
   *
   * @param method the HTTP method
   * @param path the path and query as sent
   * @param headers the request headers (case-insensitive)
   * @param rawBody the body as it arrived, compressed or not
   */
  public record ReceivedRequest(String method, String path, HttpHeaders headers, byte[] rawBody) {

    /** A header's value, or null. Names are case-insensitive. */
    public @Nullable String header(String name) {
      return headers.get(name);
    }

    /** The body, gunzipped when the request says {@code Content-Encoding: gzip}. */
    public byte[] body() {
      if (!"gzip".equalsIgnoreCase(header("Content-Encoding"))) {
        return rawBody.clone();
      }
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(rawBody))) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException("the body is not valid gzip", e);
      }
    }

    /**
     * The OTLP traces request in the body, parsed with the official definitions: protobuf when the request says
     * {@code Content-Type: application/x-protobuf}, else OTLP/JSON (strictly, see {@link OtlpJson#parse}).
     */
    public io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest traces() {
      if ("application/x-protobuf".equalsIgnoreCase(header("Content-Type"))) {
        try {
          return io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest.parseFrom(body());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new IllegalArgumentException("not a valid protobuf ExportTraceServiceRequest", e);
        }
      }
      return OtlpJson.parse(body());
    }

    /** {@link #body()} as UTF-8 text. */
    public String bodyText() {
      return new String(body(), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return method + " " + path + " (" + rawBody.length + " bytes)";
    }
  }
}
