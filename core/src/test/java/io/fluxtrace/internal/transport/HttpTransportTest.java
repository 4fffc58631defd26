package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.FailureReason;
import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Score;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.config.TransportSettings;
import io.fluxtrace.testing.ConnectProxy;
import io.fluxtrace.testing.LangfuseIngestion;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import io.fluxtrace.testing.SelfSignedTls;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpResources;
import reactor.netty.http.client.HttpClient;

/**
 * The HTTP transport against real loopback servers: TLS with a self-signed certificate and configurable trust, an
 * HTTP CONNECT proxy for {@code http://} and {@code https://}, spans and scores on one transport, its own event loop
 * (daemon, one thread, gone after shutdown), and exports that survive the disposal of Reactor Netty's global
 * resources. BlockHound is installed for the whole test JVM.
 */
@Timeout(120)
class HttpTransportTest {

  private static final String PUBLIC_KEY = "pk-lf-0123456789abcdef";
  private static final String SECRET_KEY = "sk-lf-secret-fedcba9876543210";
  private static final String TRACE = "0123456789abcdef0123456789abcdef";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path certificates;
  private static SelfSignedTls tls;

  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeAll
  static void makeCertificate() throws Exception {
    tls = SelfSignedTls.create(certificates);
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    closeAfter.add(resource);
    return resource;
  }

  private OtlpReceiver receiver(boolean https) throws Exception {
    OtlpReceiver receiver = closeLater(https ? OtlpReceiver.startTls(tls.serverContext()) : OtlpReceiver.start());
    return receiver.respondWith(request -> request.path().startsWith(LangfuseIngestion.PATH)
        ? LangfuseIngestion.allSucceeded(request) : Reply.ok());
  }

  private FluxTracer tracer(OtlpReceiver receiver, UnaryOperator<FluxTracerBuilder> settings) {
    FluxTracer tracer = settings.apply(FluxTracer.builder(Map.of())
            .publicKey(PUBLIC_KEY)
            .secretKey(SECRET_KEY)
            .baseUrl(receiver.baseUrl())
            .shutdownHook(false)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(50)))
        .build();
    closeAfter.add(tracer);
    return tracer;
  }

  /** Ends one span and records one score of it; returns the span id. */
  private static String spanAndScore(FluxTracer tracer) {
    Span span = tracer.startSpan("step", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    span.end();
    tracer.score(Score.numeric("accuracy", 0.5).traceId(span.context().traceId())
        .observationId(span.context().spanId()).build());
    return span.context().spanId();
  }

  private static List<ReceivedRequest> requestsTo(OtlpReceiver receiver, String pathPrefix) {
    return receiver.requests().stream().filter(r -> r.path().startsWith(pathPrefix)).toList();
  }

  private static List<String> exportedSpanIds(OtlpReceiver receiver) {
    List<String> ids = new ArrayList<>();
    for (ReceivedRequest request : requestsTo(receiver, "/api/public/otel")) {
      OtlpJson.spans(request.traces()).forEach(span -> ids.add(OtlpJson.spanId(span)));
    }
    return ids;
  }

  private static void assertDelivered(FluxTracer tracer, OtlpReceiver receiver, String spanId) {
    FlushResult flushed = tracer.flushBlocking(WAIT);
    assertThat(flushed.completed()).isTrue();
    assertThat(flushed.stats().exported()).as("%s", flushed).isEqualTo(1);
    assertThat(flushed.stats().scores().exported()).as("%s", flushed).isEqualTo(1);
    assertThat(exportedSpanIds(receiver)).containsExactly(spanId);
    assertThat(requestsTo(receiver, LangfuseIngestion.PATH)).hasSize(1);
  }

  // --- TLS -------------------------------------------------------------------------------------------------

  @Test
  void exportsSpansAndScoresOverTlsTrustingAPemCertificate() throws Exception {
    OtlpReceiver receiver = receiver(true);
    FluxTracer tracer = tracer(receiver, b -> b.trustedCertificates(tls.certificatePem()));

    assertDelivered(tracer, receiver, spanAndScore(tracer));
  }

  @Test
  void exportsOverTlsTrustingATrustStore() throws Exception {
    OtlpReceiver receiver = receiver(true);
    FluxTracer tracer = tracer(receiver, b -> b.trustStore(tls.trustStore(), SelfSignedTls.PASSWORD));

    assertDelivered(tracer, receiver, spanAndScore(tracer));
  }

  @Test
  void theJdksDefaultTrustRefusesASelfSignedServer() throws Exception {
    OtlpReceiver receiver = receiver(true);
    FluxTracer tracer = tracer(receiver, b -> b);

    tracer.startSpan("step", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
    FlushResult flushed = tracer.flushBlocking(WAIT);

    assertThat(flushed.stats().exported()).isZero();
    assertThat(flushed.stats().failed(FailureReason.INTERNAL_ERROR)).as("%s", flushed).isEqualTo(1);
    assertThat(receiver.requestCount()).isZero();
  }

  @Test
  void theTlsSetUpIsBuiltWithTheTransportNotOnTheFirstExport() throws Exception {
    OtlpReceiver receiver = receiver(true);
    TransportSettings trust = new TransportSettings(tls.certificatePem(), null, null, null, false);

    HttpTransport transport = new HttpTransport(URI.create(receiver.baseUrl()), trust, WAIT, 2);
    try {
      assertThat(transport.tlsReady()).isTrue();
    } finally {
      transport.release().block(WAIT);
    }
  }

  @Test
  void aTracerBuiltOnANonBlockingThreadBuildsItsTlsSetUpOnBoundedElastic() throws Exception {
    OtlpReceiver receiver = receiver(true);
    TransportSettings trust = new TransportSettings(tls.certificatePem(), null, null, null, false);

    // BlockHound fails this if reading the PEM file or building the SslContext happens on the parallel thread.
    HttpTransport transport = Objects.requireNonNull(
        Mono.fromCallable(() -> new HttpTransport(URI.create(receiver.baseUrl()), trust, WAIT, 2))
            .subscribeOn(Schedulers.parallel())
            .block(WAIT));
    FluxTracer tracer = Objects.requireNonNull(
        Mono.fromCallable(() -> tracer(receiver, b -> b.trustedCertificates(tls.certificatePem())))
            .subscribeOn(Schedulers.parallel())
            .block(WAIT));
    try {
      assertThat(transport.tlsReady()).isFalse();
      assertThat(transport.client(c -> c).block(WAIT)).isNotNull();
      assertThat(transport.tlsReady()).isTrue();

      assertDelivered(tracer, receiver, spanAndScore(tracer));
    } finally {
      transport.release().block(WAIT);
    }
  }

  @Test
  void theBuilderValidatesTrustAndProxySettings(@TempDir Path dir) throws Exception {
    Path notPem = Files.writeString(dir.resolve("not.pem"), "no certificate here", StandardCharsets.UTF_8);
    FluxTracerBuilder base = FluxTracer.builder(Map.of()).publicKey(PUBLIC_KEY).secretKey(SECRET_KEY)
        .shutdownHook(false);

    assertThatThrownBy(() -> base.trustedCertificates(notPem).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trustedCertificates");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).trustStore(dir.resolve("missing.p12"), "x").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trustStore");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).trustStore(tls.trustStore(), "wrong-password").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trustStore");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).trustedCertificates(tls.certificatePem())
        .trustStore(tls.trustStore(), SelfSignedTls.PASSWORD).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).proxy(URI.create("socks5://user:secret@proxy:1080"))
        .build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proxy")
        .hasMessageNotContaining("secret");
  }

  @Test
  void secretsOfTheTransportStayOutOfToString() {
    TransportSettings settings = new TransportSettings(null, Path.of("trust.p12"), "store-secret",
        URI.create("http://user:proxy-secret@127.0.0.1:3128"), false);

    assertThat(settings.toString()).doesNotContain("store-secret").doesNotContain("proxy-secret");
    HttpTransport.ProxyChoice proxy =
        Objects.requireNonNull(HttpTransport.proxyFor(URI.create("https://example.org/x"), settings));
    assertThat(proxy.password()).isEqualTo("proxy-secret");
    assertThat(proxy.toString()).doesNotContain("proxy-secret");
  }

  // --- Proxy -----------------------------------------------------------------------------------------------

  @Test
  void spansAndScoresToAnHttpEndpointGoThroughTheConfiguredProxy() throws Exception {
    OtlpReceiver receiver = receiver(false);
    ConnectProxy proxy = closeLater(ConnectProxy.start());
    FluxTracer tracer = tracer(receiver, b -> b.proxy(proxy.uri()));

    assertDelivered(tracer, receiver, spanAndScore(tracer));
    assertThat(proxy.tunnels()).isNotEmpty()
        .allSatisfy(t -> assertThat(t.target()).isEqualTo("127.0.0.1:" + receiver.port()));
  }

  @Test
  void spansAndScoresToAnHttpsEndpointGoThroughTheProxyWithTlsEndToEnd() throws Exception {
    OtlpReceiver receiver = receiver(true);
    ConnectProxy proxy = closeLater(ConnectProxy.start());
    FluxTracer tracer = tracer(receiver, b -> b.proxy(proxy.uri()).trustedCertificates(tls.certificatePem()));

    assertDelivered(tracer, receiver, spanAndScore(tracer));
    assertThat(proxy.tunnels()).isNotEmpty()
        .allSatisfy(t -> assertThat(t.target()).isEqualTo("127.0.0.1:" + receiver.port()));
  }

  @Test
  void proxyCredentialsGoInTheConnectRequest() throws Exception {
    OtlpReceiver receiver = receiver(false);
    ConnectProxy proxy = closeLater(ConnectProxy.start());
    URI withCredentials = URI.create("http://agent:s%3Acret@127.0.0.1:" + proxy.port());
    FluxTracer tracer = tracer(receiver, b -> b.proxy(withCredentials));

    assertDelivered(tracer, receiver, spanAndScore(tracer));
    String expected = "Basic " + Base64.getEncoder().encodeToString("agent:s:cret".getBytes(StandardCharsets.UTF_8));
    assertThat(proxy.tunnels()).isNotEmpty().allSatisfy(t -> assertThat(t.authorization()).isEqualTo(expected));
  }

  @Test
  void theJvmsProxyPropertiesApplyUnlessTheHostIsExcludedOrTheBuilderSaysNoProxy() throws Exception {
    OtlpReceiver receiver = receiver(true);
    ConnectProxy proxy = closeLater(ConnectProxy.start());
    Map<String, String> properties = Map.of("https.proxyHost", "127.0.0.1",
        "https.proxyPort", String.valueOf(proxy.port()), "http.nonProxyHosts", "excluded.example");
    Map<String, String> saved = new java.util.HashMap<>();
    properties.keySet().forEach(k -> saved.put(k, System.getProperty(k)));
    try {
      properties.forEach(System::setProperty);
      // A name that resolves nowhere: only the proxy (which tunnels to 127.0.0.1) can reach it.
      String baseUrl = "https://" + SelfSignedTls.TEST_HOST + ":" + receiver.port();
      URI endpoint = URI.create(baseUrl + "/api/public/otel/v1/traces");
      TransportSettings system = TransportSettings.defaults();

      assertThat(HttpTransport.proxyFor(endpoint, system))
          .isEqualTo(new HttpTransport.ProxyChoice("127.0.0.1", proxy.port(), null, null));
      assertThat(HttpTransport.proxyFor(URI.create("https://excluded.example/x"), system)).isNull();
      assertThat(HttpTransport.proxyFor(URI.create("http://" + SelfSignedTls.TEST_HOST + "/x"), system))
          .as("https.proxyHost is for https:// only").isNull();
      assertThat(HttpTransport.proxyFor(URI.create(receiver.baseUrl()), system))
          .as("the JDK never proxies loopback").isNull();
      assertThat(HttpTransport.proxyFor(endpoint, new TransportSettings(null, null, null, null, false))).isNull();

      FluxTracer tracer = FluxTracer.builder(Map.of())
          .publicKey(PUBLIC_KEY)
          .secretKey(SECRET_KEY)
          .baseUrl(baseUrl)
          .shutdownHook(false)
          .trustedCertificates(tls.certificatePem())
          .build();
      closeAfter.add(tracer);
      assertDelivered(tracer, receiver, spanAndScore(tracer));
      assertThat(proxy.tunnels()).isNotEmpty()
          .allSatisfy(t -> assertThat(t.target()).isEqualTo(SelfSignedTls.TEST_HOST + ":" + receiver.port()));
    } finally {
      saved.forEach((k, v) -> {
        if (v == null) {
          System.clearProperty(k);
        } else {
          System.setProperty(k, v);
        }
      });
    }
  }

  // --- Own resources ---------------------------------------------------------------------------------------

  @Test
  void anExportInFlightWhenReactorNettysGlobalResourcesAreDisposedIsDeliveredOnce() throws Exception {
    OtlpReceiver receiver = receiver(false);
    FluxTracer tracer = tracer(receiver, b -> b.maxExportAttempts(3));
    // Both requests are held by the receiver until the global resources are gone: released by the test, not
    // after a delay, which a loaded machine could outlast before the resources are disposed.
    Sinks.Empty<Void> release = Sinks.empty();
    receiver.enqueue(Reply.ok().until(release.asMono()), Reply.ok().until(release.asMono()));

    Span span = tracer.startSpan("in-flight", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    span.end();
    Mono<FlushResult> flushed = tracer.flush().cache();
    flushed.subscribe();
    // A control on the global resources, as a host's own WebClient would be: it is cut.
    Mono<Integer> global = HttpClient.create().post().uri(receiver.url("/control"))
        .send((request, out) -> out.sendString(Mono.just("{}")))
        .responseSingle((response, body) -> Mono.just(response.status().code()))
        .cache();
    global.subscribe(ignored -> {}, ignored -> {});
    receiver.awaitRequests(2);

    HttpResources.disposeLoopsAndConnectionsLater(Duration.ZERO, Duration.ofSeconds(5)).block(WAIT);
    release.tryEmitEmpty();

    FlushResult result = Objects.requireNonNull(flushed.block(WAIT));
    assertThat(result.stats().exported()).as("%s", result).isEqualTo(1);
    assertThat(result.stats().retries()).isZero();
    assertThat(exportedSpanIds(receiver)).containsExactly(span.context().spanId());
    assertThatThrownBy(() -> global.block(WAIT)).as("the control request on the global resources").isNotNull();
  }

  @Test
  void theTransportRunsOnOneDaemonThreadOfItsOwnGoneAfterShutdown() throws Exception {
    OtlpReceiver receiver = receiver(true);
    Set<Thread> before = transportThreads();
    FluxTracer tracer = tracer(receiver, b -> b.trustedCertificates(tls.certificatePem()));
    assertDelivered(tracer, receiver, spanAndScore(tracer));

    Set<Thread> ours = transportThreads();
    ours.removeAll(before);
    // Spans and scores share one transport: one event loop thread, a daemon.
    assertThat(ours).hasSize(HttpTransport.LOOP_THREADS)
        .allSatisfy(t -> assertThat(t.isDaemon()).as(t.getName()).isTrue())
        .allSatisfy(t -> assertThat(t.getName()).matches("fluxtrace-http-\\d+-(epoll|nio|kqueue|io_uring)-\\d+"));

    tracer.close();
    await().atMost(WAIT).until(() -> ours.stream().noneMatch(Thread::isAlive));
  }

  private static Set<Thread> transportThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("fluxtrace-http-"))
        .collect(Collectors.toCollection(HashSet::new));
  }
}
