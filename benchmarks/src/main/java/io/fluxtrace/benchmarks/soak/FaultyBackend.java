package io.fluxtrace.benchmarks.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * A loopback OTLP/HTTP backend for the soak run whose behaviour follows the current {@link Phase}: healthy, a burst
 * of server errors and resets, throttling with {@code Retry-After}, slow answers (some slower than the client's
 * timeout), or down (not listening, so connections are refused). It keeps the id of every span it stored, that is
 * every span of a request it answered 200, to compare with what the tracer counted as exported and to find
 * duplicates. A span in an answer slower than the client's timeout is stored too: the backend cannot know the client
 * gave up, which is exactly why such spans are counted as possibly delivered.
 */
final class FaultyBackend implements AutoCloseable {

  /** What the backend does to the requests it gets. */
  enum Phase {
    HEALTHY, ERRORS, THROTTLED, SLOW, DOWN
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final LoopResources loops = LoopResources.create("soak-backend", 1, true);
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final Duration slowerThanTimeout;
  private final SpanIdSet stored = new SpanIdSet();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong refusedByPhase = new AtomicLong();
  private final AtomicLong storedSpans = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong unreadable = new AtomicLong();
  private final AtomicLong turn = new AtomicLong();
  private volatile @Nullable DisposableServer server;
  private volatile Phase phase = Phase.HEALTHY;
  private final int port;

  private FaultyBackend(Duration slowerThanTimeout) {
    this.slowerThanTimeout = slowerThanTimeout;
    DisposableServer first = bind(0);
    this.server = first;
    this.port = first.port();
  }

  /** Starts listening on 127.0.0.1 and a free port; {@code slowerThanTimeout} is the delay of the slowest answers. */
  static FaultyBackend start(Duration slowerThanTimeout) {
    return new FaultyBackend(slowerThanTimeout);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  Phase phase() {
    return phase;
  }

  /**
   * Switches to {@code next}. DOWN stops listening and closes every open connection, so that pooled connections
   * cannot reach the backend either; any other phase listens again on the same port. The phase changes before the
   * connections are closed: a request being answered on the event loop finishes first, so no stored request loses
   * its answer (which the client would rightly send again).
   */
  synchronized void phase(Phase next) {
    phase = next;
    if (next == Phase.DOWN) {
      DisposableServer s = server;
      if (s != null) {
        server = null;
        s.disposeNow(Duration.ofSeconds(10));
      }
      connections.close().awaitUninterruptibly(10_000);
    } else if (server == null) {
      server = bindWithRetries();
    }
  }

  private DisposableServer bindWithRetries() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        return bind(port);
      } catch (RuntimeException e) {
        // The port may linger for a moment after the previous server let go of it.
        last = e;
        try {
          Thread.sleep(100);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
    throw new IllegalStateException("could not listen on port " + port + " again", last);
  }

  private DisposableServer bind(int wantedPort) {
    return HttpServer.create()
        .host("127.0.0.1")
        .port(wantedPort)
        .runOn(loops)
        .channelGroup(connections)
        .handle(this::handle)
        .bindNow(Duration.ofSeconds(10));
  }

  private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
    boolean gzip = "gzip".equalsIgnoreCase(request.requestHeaders().get(HttpHeaderNames.CONTENT_ENCODING));
    boolean protobuf = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE, "").toLowerCase(Locale.ROOT)
        .startsWith("application/x-protobuf");
    return request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap(body -> {
      requests.incrementAndGet();
      long n = turn.getAndIncrement();
      switch (phase) {
        case ERRORS:
          refusedByPhase.incrementAndGet();
          switch ((int) (n % 5)) {
            case 0:
            case 1:
              return status(response, 503, null);
            case 2:
              return status(response, 502, null);
            case 3:
              return status(response, 500, null);
            default:
              request.withConnection(connection -> {
                connection.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                connection.channel().close();
              });
              return Mono.never();
          }
        case THROTTLED:
          refusedByPhase.incrementAndGet();
          String retryAfter = n % 2 == 0 ? "1"
              : DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2));
          return status(response, 429, retryAfter);
        case SLOW:
          store(body, gzip, protobuf);
          Duration delay = n % 2 == 0 ? Duration.ofMillis(300) : slowerThanTimeout;
          return Mono.delay(delay).then(status(response, 200, null));
        case DOWN:
          // A connection opened before the backend went down: hang up without an answer, as a dead host would.
          refusedByPhase.incrementAndGet();
          request.withConnection(connection -> connection.channel().close());
          return Mono.never();
        case HEALTHY:
        default:
          store(body, gzip, protobuf);
          return status(response, 200, null);
      }
    });
  }

  private static Mono<Void> status(HttpServerResponse response, int status, @Nullable String retryAfter) {
    byte[] body = (status == 200 ? "{}" : "{\"message\":\"soak fault " + status + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    response.status(HttpResponseStatus.valueOf(status))
        .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
    if (retryAfter != null) {
      response.header(HttpHeaderNames.RETRY_AFTER, retryAfter);
    }
    return response.send(Mono.just(Unpooled.wrappedBuffer(body))).then();
  }

  /**
   * Records the ids of the request's spans, read from OTLP protobuf (the tracer's default) with the official
   * definitions or from OTLP JSON; runs on the backend's single event loop.
   */
  private void store(byte[] body, boolean gzip, boolean protobuf) {
    try (InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(body)) : new ByteArrayInputStream(body)) {
      if (protobuf) {
        for (ResourceSpans resourceSpans : ExportTraceServiceRequest.parseFrom(in).getResourceSpansList()) {
          for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
            for (io.opentelemetry.proto.trace.v1.Span span : scopeSpans.getSpansList()) {
              storeSpan(span.getSpanId().asReadOnlyByteBuffer().getLong());
            }
          }
        }
        return;
      }
      JsonNode root = JSON.readTree(in);
      for (JsonNode resourceSpans : root.path("resourceSpans")) {
        for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
          for (JsonNode span : scopeSpans.path("spans")) {
            storeSpan(Long.parseUnsignedLong(span.path("spanId").asText(), 16));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      unreadable.incrementAndGet();
    }
  }

  private void storeSpan(long spanId) {
    storedSpans.incrementAndGet();
    if (!stored.add(spanId)) {
      duplicates.incrementAndGet();
    }
  }

  /** Requests received, whatever the answer. */
  long requests() {
    return requests.get();
  }

  /** Requests answered with an error or a reset because of the phase. */
  long refusedByPhase() {
    return refusedByPhase.get();
  }

  /** Spans stored, duplicates included. */
  long storedSpans() {
    return storedSpans.get();
  }

  /** Distinct spans stored. */
  long distinctSpans() {
    return stored.size();
  }

  /** Spans stored more than once. */
  long duplicates() {
    return duplicates.get();
  }

  /** Request bodies that were not a readable OTLP export request (protobuf or JSON). */
  long unreadable() {
    return unreadable.get();
  }

  @Override
  public void close() {
    phase(Phase.DOWN);
    loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
  }

  /** A set of non-zero longs with open addressing: a million span ids take 16 MB rather than 60. */
  private static final class SpanIdSet {
    private long[] slots = new long[1 << 16];
    private int size;

    synchronized boolean add(long id) {
      if (id == 0) {
        return true;
      }
      if (size * 2 >= slots.length) {
        grow();
      }
      if (!insert(slots, id)) {
        return false;
      }
      size++;
      return true;
    }

    synchronized int size() {
      return size;
    }

    private void grow() {
      long[] bigger = new long[slots.length * 2];
      for (long id : slots) {
        if (id != 0) {
          insert(bigger, id);
        }
      }
      slots = bigger;
    }

    private static boolean insert(long[] table, long id) {
      int mask = table.length - 1;
      int i = (int) (mix(id) & mask);
      while (table[i] != 0) {
        if (table[i] == id) {
          return false;
        }
        i = (i + 1) & mask;
      }
      table[i] = id;
      return true;
    }

    private static long mix(long x) {
      long h = x * 0x9E3779B97F4A7C15L;
      return h ^ (h >>> 32);
    }
  }
}
