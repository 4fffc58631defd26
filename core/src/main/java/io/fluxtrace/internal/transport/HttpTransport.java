package io.fluxtrace.internal.transport;

import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.config.TransportSettings;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import reactor.netty.transport.NameResolverProvider;
import reactor.netty.transport.ProxyProvider;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.context.Context;

/**
 * The one HTTP transport of a tracer, shared by span and score export: its own event loop, connection pool and
 * name resolver, TLS trust, proxy and buffer allocator. Nothing in it is Reactor Netty's global
 * {@code HttpResources}, so a host that disposes those (Spring's {@code ReactorResourceFactory} does, early in its
 * shutdown) cannot cut one of our exports; a cut export that is retried may be stored twice by Langfuse.
 *
 * <ul>
 *   <li>Event loop: {@value #LOOP_THREADS} daemon thread named {@code fluxtrace-http-<transport>-<n>}. Export is a
 *       few small requests a second at most, so one thread is plenty, and a daemon never holds the JVM.
 *   <li>Buffers: {@link UnpooledByteBufAllocator}, which allocates without locks. Netty 4.2's default adaptive
 *       allocator can park the event loop on a {@code StampedLock} while a request is written, which BlockHound
 *       reports; the pooling it saves matters little at export rates.
 *   <li>TLS: the {@link SslContext} (and with it the JDK's trust, read from disk) is built when the transport is
 *       built, on the thread that builds the tracer; when that thread is non-blocking, on
 *       {@link Schedulers#boundedElastic()} before the first request. Never on the event loop.
 *   <li>Proxy: {@link TransportSettings#proxy()}, else the JVM's settings through {@link ProxySelector#getDefault()},
 *       decided once for the endpoint; an HTTP proxy tunnels both {@code http://} and {@code https://} with
 *       {@code CONNECT}.
 *   <li>Connection errors: Reactor Netty's own logging of them (a stack trace at WARN per reset connection) is
 *       replaced by one rate-limited line with the error, endpoint and counts; see {@link ConnectionErrorHandler}.
 * </ul>
 *
 * <p>Leased by each exporter that uses it ({@link #lease()}) and released by its {@code shutdown()}, after its
 * last export; the last release disposes the pool, then the event loop, gracefully and without a quiet period.
 */
public final class HttpTransport {

  static final int LOOP_THREADS = 1;
  private static final Duration DISPOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final AtomicLong COUNTER = new AtomicLong();

  private final Logger log = Loggers.getLogger(HttpTransport.class);
  private final RateLimitedLog connectionErrorLogs = new RateLimitedLog(log, Duration.ofMinutes(1));
  private final String name;
  private final String endpointForLogs;
  private final LoopResources loops;
  private final ConnectionProvider provider;
  private final DnsAddressResolverGroup resolver;
  private final @Nullable ProxyChoice proxy;
  private final Mono<HttpClient> client;
  private final AtomicInteger leases = new AtomicInteger();
  private final AtomicLong connectionErrors = new AtomicLong();
  private final Mono<Void> disposal;
  private volatile boolean tlsReady;

  /**
   * @param endpoint where requests go: its scheme decides TLS, its host the proxy
   * @param settings TLS trust and proxy
   * @param timeout connect timeout, and how long a request waits for a pooled connection
   * @param maxConnections connections to the endpoint at most
   */
  public HttpTransport(URI endpoint, TransportSettings settings, Duration timeout, int maxConnections) {
    this.name = "fluxtrace-http-" + COUNTER.incrementAndGet();
    this.endpointForLogs = Secrets.redactUrl(endpoint);
    this.loops = LoopResources.create(name, 1, LOOP_THREADS, true);
    this.provider = ConnectionProvider.builder(name)
        .maxConnections(maxConnections)
        // The pipelines never have more than maxConnections requests out; the margin is for safety only.
        .pendingAcquireMaxCount(Math.max(64, 8 * maxConnections))
        .pendingAcquireTimeout(timeout)
        // Below common server keep-alive timeouts, so that an idle connection is rarely reused just as the
        // server closes it.
        .maxIdleTime(Duration.ofSeconds(20))
        .build();
    // Our own resolver on our own loop: the default one belongs to the global HttpResources.
    this.resolver = NameResolverProvider.builder().build().newNameResolverGroup(loops, LoopResources.DEFAULT_NATIVE);
    this.proxy = proxyFor(endpoint, settings);
    long timeoutMillis = Math.max(1, timeout.toMillis());
    HttpClient plain = HttpClient.create(provider)
        .runOn(loops)
        .option(ChannelOption.ALLOCATOR, allocator())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        // Every retry goes through the policy, where it is counted and timed.
        .disableRetry(true)
        .observe(connectionErrorObserver())
        .doOnRequest((request, connection) -> {
          RequestErrors errors = request.currentContextView().getOrDefault(RequestErrors.class, null);
          if (errors != null) {
            connection.addHandlerLast(ConnectionErrorHandler.NAME, new ConnectionErrorHandler(errors.sink, this));
          }
        });
    ProxyChoice p = proxy;
    if (p == null) {
      plain = plain.resolver(resolver);
    } else {
      // Through a proxy the target's name is resolved by the proxy (Reactor Netty then resolves nothing). The
      // proxy's own address is resolved here, off the event loop, unless this thread must not block.
      InetSocketAddress proxyAddress = Schedulers.isInNonBlockingThread()
          ? InetSocketAddress.createUnresolved(p.host(), p.port())
          : new InetSocketAddress(p.host(), p.port());
      plain = plain.proxy(spec -> {
        ProxyProvider.Builder builder = proxyAddress.isUnresolved()
            ? spec.type(ProxyProvider.Proxy.HTTP).host(p.host()).port(p.port())
            : spec.type(ProxyProvider.Proxy.HTTP).address(proxyAddress);
        builder.connectTimeoutMillis(timeoutMillis);
        String user = p.user();
        String password = p.password();
        if (user != null) {
          builder.username(user).password(ignored -> password == null ? "" : password);
        }
      }).resolver(NoopAddressResolverGroup.INSTANCE);
    }
    this.client = client(plain, "https".equalsIgnoreCase(endpoint.getScheme()), settings);
    this.disposal = Mono.defer(this::disposeNow).cache();
    warmUp(timeout);
  }

  /**
   * The client with its TLS set-up for an {@code https://} endpoint: built now, on the caller's thread, unless that
   * thread is non-blocking; then once, on {@link Schedulers#boundedElastic()}, before the first request. A failure
   * is not kept: the next request tries again (and fails as an export failure, logged by the exporter).
   */
  private Mono<HttpClient> client(HttpClient plain, boolean https, TransportSettings settings) {
    if (!https) {
      return Mono.just(plain);
    }
    Mono<HttpClient> later = Mono.fromCallable(() -> secured(plain, settings))
        .subscribeOn(Schedulers.boundedElastic())
        .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
    if (Schedulers.isInNonBlockingThread()) {
      return later;
    }
    try {
      return Mono.just(secured(plain, settings));
    } catch (SSLException | RuntimeException e) {
      log.warn("fluxtrace: setting up TLS for {} failed; trying again at the first export: {}", endpointForLogs,
          e.toString());
      return later;
    }
  }

  /** The transport a tracer configuration asks for, not yet leased. */
  public static HttpTransport create(TracerConfig config) {
    // Span exports and the score exporter's two concurrent requests at most.
    return new HttpTransport(config.endpoint(), config.transport(), config.timeout(),
        Math.max(1, config.maxConcurrentExports()) + 2);
  }

  /**
   * The buffer allocator of our connections. Unpooled: allocating takes no lock, so an event loop never parks
   * in it (Netty 4.2's default adaptive allocator can). Heap or direct as Netty prefers on this platform; direct
   * buffers come from {@code Unsafe} without the JDK's reservation, which may sleep.
   */
  static ByteBufAllocator allocator() {
    return UnpooledByteBufAllocator.DEFAULT;
  }

  private HttpClient secured(HttpClient client, TransportSettings settings) throws SSLException {
    SslContext context = SslContextBuilder.forClient()
        .trustManager(settings.trustManagerFactory())
        .build();
    tlsReady = true;
    return client.secure(spec -> spec.sslContext(context));
  }

  /** Whether the TLS set-up is built (never for an {@code http://} endpoint). */
  boolean tlsReady() {
    return tlsReady;
  }

  /**
   * Does here, on the thread that builds the tracer, the one-time work that the first request would otherwise do on
   * the event loop: the loop's thread and native transport, the name resolver ({@link HttpClient#warmup()}), and
   * the JDK's socket classes, whose static initializer reads {@code net.properties}. Skipped on a non-blocking
   * thread, where the first request does it; never throws.
   */
  private void warmUp(Duration timeout) {
    if (Schedulers.isInNonBlockingThread()) {
      return;
    }
    try {
      Class.forName("java.net.SocketImpl");
      HttpClient c = client.block(timeout);
      if (c != null) {
        c.warmup().block(timeout);
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.debug("fluxtrace: warming up the HTTP client failed; the first export will do it: {}", e.toString());
    }
  }

  /**
   * Handles the errors a connection reports outside a request (on an idle pooled connection, say), which
   * {@link ConnectionErrorHandler} does not see: counted and logged as {@link #connectionError} does.
   */
  private ConnectionObserver connectionErrorObserver() {
    return new ConnectionObserver() {
      @Override
      public void onStateChange(Connection connection, State newState) {}

      @Override
      public void onUncaughtException(Connection connection, Throwable error) {
        connectionError(error);
      }
    };
  }

  /**
   * Counts a connection error of an export and logs it at most once a minute (the line says how many were
   * suppressed), with the error's class and message, the endpoint and the count so far; the stack trace only at
   * debug level. Whether the request is sent again is the exporter's retry policy's business, logged by it.
   */
  void connectionError(Throwable error) {
    long count = connectionErrors.incrementAndGet();
    connectionErrorLogs.warn("fluxtrace: export connection to {} failed: {} (connection errors so far: {}; the"
        + " request is sent again as the retry policy allows)", endpointForLogs, describe(error), count);
    if (log.isDebugEnabled()) {
      log.debug("fluxtrace: export connection error", error);
    }
  }

  static String describe(Throwable error) {
    return error.getClass().getName() + (error.getMessage() != null ? ": " + error.getMessage() : "");
  }

  /**
   * The client, configured by {@code customizer} for one exporter (headers, timeouts); shares this transport's
   * loop, pool, TLS and proxy. For an {@code https://} endpoint built on a non-blocking thread, it completes once
   * the TLS set-up is built on {@link Schedulers#boundedElastic()}.
   */
  public Mono<HttpClient> client(UnaryOperator<HttpClient> customizer) {
    return client.map(customizer);
  }

  /**
   * Sends one request: {@code request} on the client, or the value {@code connectionFailed} makes of the error that
   * broke its connection before the response, as {@link ConnectionErrorHandler} reports it (which keeps that error
   * out of Reactor Netty's log).
   */
  public <T> Mono<T> send(Mono<HttpClient> client, Function<HttpClient, Mono<T>> request,
      Function<Throwable, T> connectionFailed) {
    return Mono.defer(() -> {
      RequestErrors errors = new RequestErrors();
      Mono<T> sent = client.flatMap(request).contextWrite(Context.of(RequestErrors.class, errors));
      return Mono.firstWithSignal(sent, errors.sink.asMono().map(connectionFailed));
    });
  }

  /** Takes a share of this transport for an exporter; false if it was already disposed. */
  public boolean lease() {
    for (;;) {
      int current = leases.get();
      if (current < 0) {
        return false;
      }
      if (leases.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /**
   * Gives back a share taken by {@link #lease()}; the last one disposes the pool, then the event loop and the
   * resolver. Completes once the release, or the disposal it started, is done; never errors.
   */
  public Mono<Void> release() {
    return Mono.defer(() -> {
      for (;;) {
        int current = leases.get();
        if (current <= 0) {
          return disposal;
        }
        int next = current == 1 ? -1 : current - 1;
        if (leases.compareAndSet(current, next)) {
          return next < 0 ? disposal : Mono.empty();
        }
      }
    });
  }

  private Mono<Void> disposeNow() {
    leases.set(-1);
    return provider.disposeLater()
        .onErrorResume(e -> Mono.empty())
        .then(Mono.fromRunnable(resolver::close))
        .onErrorResume(e -> Mono.empty())
        // No quiet period: nothing of ours is queued any more, and a CLI run should not wait two seconds.
        .then(loops.disposeLater(Duration.ZERO, DISPOSE_TIMEOUT))
        .onErrorResume(e -> {
          log.debug("fluxtrace: disposing the HTTP transport failed: {}", e.toString());
          return Mono.empty();
        });
  }

  /**
   * The proxy for {@code endpoint}: the explicit one, else (when allowed) the first HTTP proxy the JVM's
   * {@link ProxySelector} names for it, which applies {@code https.proxyHost}/{@code https.proxyPort},
   * {@code http.proxyHost}/{@code http.proxyPort} and {@code http.nonProxyHosts} as every JDK client does.
   */
  static @Nullable ProxyChoice proxyFor(URI endpoint, TransportSettings settings) {
    URI explicit = settings.proxy();
    if (explicit != null) {
      String user = null;
      String password = null;
      String userInfo = explicit.getRawUserInfo();
      if (userInfo != null) {
        int colon = userInfo.indexOf(':');
        user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
        password = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
      }
      int port = explicit.getPort() >= 0 ? explicit.getPort() : 80;
      return new ProxyChoice(String.valueOf(explicit.getHost()), port, user, password);
    }
    if (!settings.systemProxy()) {
      return null;
    }
    ProxySelector selector = ProxySelector.getDefault();
    if (selector == null) {
      return null;
    }
    List<Proxy> proxies;
    try {
      proxies = selector.select(endpoint);
    } catch (RuntimeException e) {
      Loggers.getLogger(HttpTransport.class).warn("fluxtrace: the JVM's proxy selector failed for {}; connecting"
          + " directly: {}", Secrets.redactUrl(endpoint), e.toString());
      return null;
    }
    for (Proxy candidate : proxies) {
      if (candidate.type() == Proxy.Type.HTTP && candidate.address() instanceof InetSocketAddress address) {
        return new ProxyChoice(address.getHostString(), address.getPort(), null, null);
      }
    }
    return null;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    ProxyChoice p = proxy;
    return "HttpTransport{" + name + ", " + endpointForLogs
        + (p == null ? "" : ", proxy " + p.host() + ':' + p.port()) + '}';
  }

  /** Where the connection of one request reports the error that broke it; carried in the request's context. */
  private static final class RequestErrors {
    final Sinks.One<Throwable> sink = Sinks.one();
  }

  /** A proxy to tunnel through; the password stays out of {@link #toString()}. */
  record ProxyChoice(String host, int port, @Nullable String user, @Nullable String password) {
    @Override
    public String toString() {
      return "ProxyChoice{" + host + ':' + port + (user == null ? "" : ", user " + user) + '}';
    }
  }
}
