package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FailureReason;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.TestConfigs;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.util.FluxtraceVersion;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import io.fluxtrace.testing.RecordingTimer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.util.TestLogger;
import reactor.util.Loggers;

/** The sender against a real loopback receiver: headers, compression, retries, timeouts, failures, counters. */
class OtlpHttpSenderTest {

  private static final String PUBLIC_KEY = "pk-lf-0123456789abcdef";
  private static final String SECRET_KEY = "sk-lf-secret-fedcba9876543210";
  /** An export of no span, in protobuf: the default wire format's Content-Type is then true of the body. */
  private static final byte[] PAYLOAD = ExportTraceServiceRequest.newBuilder()
      .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ScopeSpans.getDefaultInstance()))
      .build().toByteArray();

  private OtlpReceiver receiver;
  private final TracerMetrics metrics = new TracerMetrics();
  private final RecordingTimer timer = new RecordingTimer();
  private @Nullable OtlpHttpSender sender;

  @BeforeEach
  void startReceiver() {
    receiver = OtlpReceiver.start();
  }

  @AfterEach
  void stop() {
    OtlpHttpSender s = sender;
    if (s != null) {
      s.shutdown().block(Duration.ofSeconds(5));
    }
    receiver.close();
    timer.dispose();
    Loggers.resetLoggerFactory();
  }

  private FluxTracerBuilder langfuse() {
    return FluxTracer.builder(Map.of())
        .publicKey(PUBLIC_KEY)
        .secretKey(SECRET_KEY)
        .baseUrl(receiver.baseUrl())
        .shutdownHook(false)
        .timeout(Duration.ofSeconds(5))
        .initialBackoff(Duration.ofSeconds(1))
        .maxBackoff(Duration.ofSeconds(30))
        .maxExportAttempts(3);
  }

  private OtlpHttpSender sender(UnaryOperator<FluxTracerBuilder> settings) {
    return sender(TestConfigs.config(settings.apply(langfuse())));
  }

  private OtlpHttpSender sender(TracerConfig config) {
    sender = TestConfigs.sender(config, RetryPolicy.from(config.retry()).withJitter(0), metrics, timer);
    return sender;
  }

  private OtlpHttpSender sender() {
    return sender(b -> b);
  }

  private byte[] body(OtlpHttpSender s) throws Exception {
    return s.encode(out -> out.write(PAYLOAD));
  }

  private static SendResult await(CompletableFuture<SendResult> result) throws Exception {
    return result.get(10, TimeUnit.SECONDS);
  }

  @Test
  void langfuseRequestCarriesAuthAndLangfuseHeaders() throws Exception {
    OtlpHttpSender s = sender(b -> b.header("x-extra", "yes"));

    SendResult result = await(s.send(body(s)).toFuture());

    assertThat(result).isEqualTo(new SendResult(200, null, 1));
    ReceivedRequest request = receiver.awaitRequest();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/api/public/otel/v1/traces");
    assertThat(request.header("Content-Type")).isEqualTo("application/x-protobuf");
    assertThat(request.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(request.header("Content-Length")).isEqualTo(Integer.toString(request.rawBody().length));
    String credentials = new String(Base64.getDecoder().decode(
        Objects.requireNonNull(request.header("Authorization")).substring("Basic ".length())), StandardCharsets.UTF_8);
    assertThat(credentials).isEqualTo(PUBLIC_KEY + ":" + SECRET_KEY);
    assertThat(request.header("x-langfuse-ingestion-version")).isEqualTo("4");
    assertThat(request.header("x-langfuse-sdk-name")).isEqualTo("fluxtrace-java");
    assertThat(request.header("x-langfuse-sdk-version")).isEqualTo(FluxtraceVersion.VERSION).matches("\\d+\\..*");
    assertThat(request.header("x-langfuse-public-key")).isEqualTo(PUBLIC_KEY);
    assertThat(request.header("User-Agent")).isEqualTo("fluxtrace-java/" + FluxtraceVersion.VERSION);
    assertThat(request.header("x-extra")).isEqualTo("yes");
    assertThat(s.toString()).doesNotContain(SECRET_KEY);
  }

  @Test
  void customOtlpEndpointGetsOnlyTheConfiguredHeaders() throws Exception {
    OtlpHttpSender s = sender(TestConfigs.config(FluxTracer.builder(Map.of("LANGFUSE_PUBLIC_KEY", PUBLIC_KEY,
            "LANGFUSE_SECRET_KEY", SECRET_KEY))
        .otlpEndpoint(receiver.url("/v1/traces"))
        .header("x-api-key", "token")
        .shutdownHook(false)));

    assertThat(await(s.send(body(s)).toFuture()).delivered()).isTrue();

    ReceivedRequest request = receiver.awaitRequest();
    assertThat(request.path()).isEqualTo("/v1/traces");
    assertThat(request.header("x-api-key")).isEqualTo("token");
    assertThat(request.header("Authorization")).isNull();
    assertThat(request.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("x-langfuse"));
    assertThat(request.header("Content-Type")).isEqualTo("application/x-protobuf");
  }

  @ParameterizedTest
  @CsvSource({"http/protobuf, application/x-protobuf", "http/json, application/json"})
  void theContentTypeNamesTheConfiguredWireFormat(String protocol, String contentType) throws Exception {
    OtlpHttpSender s = sender(b -> b.otlpProtocol(protocol));

    assertThat(await(s.send(body(s)).toFuture()).delivered()).isTrue();

    assertThat(receiver.awaitRequest().header("Content-Type")).isEqualTo(contentType);
  }

  @Test
  void gzipRoundTrip() throws Exception {
    OtlpHttpSender s = sender();
    byte[] body = body(s);

    await(s.send(body).toFuture());

    ReceivedRequest request = receiver.awaitRequest();
    assertThat(request.rawBody()).isEqualTo(body).isNotEqualTo(PAYLOAD);
    assertThat(request.body()).isEqualTo(PAYLOAD);
    assertThat(metrics.bytesSent.sum()).isEqualTo(body.length);
  }

  @Test
  void withoutGzipTheBodyIsSentAsIs() throws Exception {
    OtlpHttpSender s = sender(b -> b.gzip(false));

    await(s.send(body(s)).toFuture());

    ReceivedRequest request = receiver.awaitRequest();
    assertThat(request.header("Content-Encoding")).isNull();
    assertThat(request.rawBody()).isEqualTo(PAYLOAD);
    assertThat(metrics.bytesSent.sum()).isEqualTo(PAYLOAD.length);
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 502, 503, 504})
  void retryableStatusIsRetriedAfterBackoffThenSucceeds(int status) throws Exception {
    receiver.enqueue(Reply.status(status));
    OtlpHttpSender s = sender();
    byte[] body = body(s);

    CompletableFuture<SendResult> result = s.send(body).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(result).isNotDone();
    timer.advance(Duration.ofSeconds(1));

    assertThat(await(result)).isEqualTo(new SendResult(200, null, 2));
    assertThat(receiver.requestCount()).isEqualTo(2);
    assertThat(metrics.retries.sum()).isEqualTo(1);
    assertThat(metrics.bytesSent.sum()).isEqualTo(2L * body.length);
  }

  @Test
  void attemptsAreBoundedWithExponentialBackoff() throws Exception {
    receiver.respondWith(request -> Reply.status(503));
    OtlpHttpSender s = sender(b -> b.maxExportAttempts(4));
    byte[] body = body(s);

    CompletableFuture<SendResult> result = s.send(body).toFuture();
    for (int seconds : new int[] {1, 2, 4}) {
      assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(seconds));
      timer.advance(Duration.ofSeconds(seconds));
    }

    assertThat(await(result)).isEqualTo(new SendResult(503, FailureReason.RETRIES_EXHAUSTED, 4));
    assertThat(receiver.requestCount()).isEqualTo(4);
    assertThat(timer.pendingDelays()).isZero();
    assertThat(metrics.retries.sum()).isEqualTo(3);
    assertThat(metrics.bytesSent.sum()).isEqualTo(4L * body.length);
  }

  @Test
  void retryAfterSecondsIsHonoured() throws Exception {
    receiver.enqueue(Reply.retryAfterSeconds(7));
    OtlpHttpSender s = sender();

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(7));
    timer.advance(Duration.ofSeconds(6));
    assertThat(receiver.requestCount()).isEqualTo(1);
    timer.advance(Duration.ofSeconds(1));

    assertThat(await(result).attempts()).isEqualTo(2);
  }

  @Test
  void retryAfterDateIsHonouredAgainstTheTracerClock() throws Exception {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    receiver.enqueue(Reply.retryAfterDate(ZonedDateTime.ofInstant(now.plusSeconds(12), ZoneOffset.UTC)));
    OtlpHttpSender s = sender(b -> b.clock(() -> TimeUnit.SECONDS.toNanos(now.getEpochSecond())));

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(12));
    timer.advance(Duration.ofSeconds(12));

    assertThat(await(result)).isEqualTo(new SendResult(200, null, 2));
  }

  @Test
  void retryAfterIsCappedByMaxBackoff() throws Exception {
    receiver.enqueue(Reply.retryAfterSeconds(3600));
    OtlpHttpSender s = sender(b -> b.maxBackoff(Duration.ofSeconds(20)));

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(20));
    timer.advance(Duration.ofSeconds(20));

    assertThat(await(result).delivered()).isTrue();
  }

  @Test
  void malformedRetryAfterFallsBackToBackoff() throws Exception {
    receiver.enqueue(Reply.retryAfter(429, "soon"));
    OtlpHttpSender s = sender();

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(1));
    timer.advance(Duration.ofSeconds(1));

    assertThat(await(result).delivered()).isTrue();
  }

  @ParameterizedTest
  @CsvSource({"400, BAD_REQUEST", "401, UNAUTHORIZED", "403, UNAUTHORIZED", "413, PAYLOAD_TOO_LARGE",
      "500, OTHER_STATUS", "404, OTHER_STATUS"})
  void nonRetryableStatusFailsAtOnce(int status, FailureReason reason) throws Exception {
    receiver.enqueue(Reply.status(status));
    OtlpHttpSender s = sender();

    assertThat(await(s.send(body(s)).toFuture())).isEqualTo(new SendResult(status, reason, 1));

    assertThat(receiver.requestCount()).isEqualTo(1);
    assertThat(timer.pendingDelays()).isZero();
    assertThat(metrics.retries.sum()).isZero();
  }

  @Test
  void unauthorizedIsLoggedOnceWithRedactedKeyAndUrlButNeverTheSecret() throws Exception {
    TestLogger logger = new TestLogger(false);
    Loggers.useCustomLoggers(name -> logger);
    receiver.respondWith(request -> Reply.status(401));
    OtlpHttpSender s = sender();

    await(s.send(body(s)).toFuture());
    await(s.send(body(s)).toFuture());

    String logged = logger.getErrContent() + logger.getOutContent();
    assertThat(logged.split("\\[ERROR]", -1)).hasSize(2);
    assertThat(logged)
        .contains("HTTP 401")
        .contains("pk-lf-****cdef")
        .contains(receiver.url("/api/public/otel/v1/traces"))
        .contains("LANGFUSE_BASE_URL")
        .doesNotContain(SECRET_KEY)
        .doesNotContain(PUBLIC_KEY)
        .doesNotContain(Base64.getEncoder().encodeToString((PUBLIC_KEY + ":" + SECRET_KEY).getBytes(
            StandardCharsets.UTF_8)));
  }

  @Test
  void forbiddenNamesThePermissionProblem() throws Exception {
    TestLogger logger = new TestLogger(false);
    Loggers.useCustomLoggers(name -> logger);
    receiver.enqueue(Reply.status(403));
    OtlpHttpSender s = sender();

    await(s.send(body(s)).toFuture());

    assertThat(logger.getErrContent()).contains("HTTP 403").contains("pk-lf-****cdef").doesNotContain(SECRET_KEY);
  }

  @Test
  void slowAnswerIsATimeoutAndNotRetriedByDefault() throws Exception {
    receiver.enqueue(Reply.ok().after(Duration.ofSeconds(5)));
    OtlpHttpSender s = sender(b -> b.timeout(Duration.ofMillis(300)));
    byte[] body = body(s);

    assertThat(await(s.send(body).toFuture())).isEqualTo(new SendResult(0, FailureReason.TIMEOUT, 1));

    // The timeout runs from the end of the write, not from the receiver's reading: it may record it a little later.
    receiver.awaitRequests(1);
    assertThat(receiver.requestCount()).isEqualTo(1);
    assertThat(timer.pendingDelays()).isZero();
    assertThat(metrics.retries.sum()).isZero();
    assertThat(metrics.bytesSent.sum()).isEqualTo(body.length);
  }

  @Test
  void slowAnswerIsRetriedWhenTimedOutRequestsMayBeRetried() throws Exception {
    receiver.enqueue(Reply.ok().after(Duration.ofSeconds(5)));
    OtlpHttpSender s = sender(b -> b.timeout(Duration.ofMillis(300)).retryTimedOutRequests(true));

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(1));
    timer.advance(Duration.ofSeconds(1));

    assertThat(await(result)).isEqualTo(new SendResult(200, null, 2));
    assertThat(metrics.retries.sum()).isEqualTo(1);
  }

  @Test
  void timeoutsOutlastingTheAttemptsStayTimeouts() throws Exception {
    receiver.respondWith(request -> Reply.ok().after(Duration.ofSeconds(5)));
    OtlpHttpSender s = sender(b -> b.timeout(Duration.ofMillis(300)).retryTimedOutRequests(true)
        .maxExportAttempts(2));

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    timer.advance(timer.awaitDelay());

    assertThat(await(result)).isEqualTo(new SendResult(0, FailureReason.TIMEOUT, 2));
  }

  @Test
  void connectionRefusedIsRetriedUntilTheServerIsBack() throws Exception {
    receiver.stop();
    OtlpHttpSender s = sender();
    byte[] body = body(s);

    CompletableFuture<SendResult> result = s.send(body).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(1));
    receiver.restart();
    timer.advance(Duration.ofSeconds(1));

    assertThat(await(result)).isEqualTo(new SendResult(200, null, 2));
    assertThat(receiver.requestCount()).isEqualTo(1);
    assertThat(metrics.retries.sum()).isEqualTo(1);
    assertThat(metrics.bytesSent.sum()).isEqualTo(body.length);
  }

  @Test
  void refusalsOutlastingTheAttemptsExhaustThem() throws Exception {
    receiver.stop();
    OtlpHttpSender s = sender(b -> b.maxExportAttempts(2));

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    timer.advance(timer.awaitDelay());

    assertThat(await(result)).isEqualTo(new SendResult(0, FailureReason.RETRIES_EXHAUSTED, 2));
    assertThat(metrics.bytesSent.sum()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"close", "reset"})
  void connectionLostBeforeTheAnswerIsRetried(String how) throws Exception {
    receiver.enqueue(how.equals("close") ? Reply.closeConnection() : Reply.resetConnection());
    OtlpHttpSender s = sender();

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(1));
    timer.advance(Duration.ofSeconds(1));

    assertThat(await(result)).isEqualTo(new SendResult(200, null, 2));
    assertThat(receiver.requestCount()).isEqualTo(2);
  }

  @Test
  void answerCutOffAfterItsStatusCountsByItsStatus() throws Exception {
    receiver.enqueue(Reply.cutOffAfterHeaders(200));
    OtlpHttpSender s = sender();

    assertThat(await(s.send(body(s)).toFuture())).isEqualTo(new SendResult(200, null, 1));
  }

  @Test
  void retryableAnswerCutOffAfterItsStatusIsRetried() throws Exception {
    receiver.enqueue(Reply.cutOffAfterHeaders(503));
    OtlpHttpSender s = sender();

    CompletableFuture<SendResult> result = s.send(body(s)).toFuture();
    timer.advance(timer.awaitDelay());

    assertThat(await(result)).isEqualTo(new SendResult(200, null, 2));
  }

  @Test
  void sendingFromANonBlockingThreadNeverBlocksIt() throws Exception {
    receiver.enqueue(Reply.status(503));
    OtlpHttpSender s = sender();
    byte[] body = body(s);

    CompletableFuture<SendResult> result =
        Mono.defer(() -> s.send(body)).subscribeOn(Schedulers.parallel()).toFuture();
    timer.advance(timer.awaitDelay());

    assertThat(await(result).delivered()).isTrue();
  }

  @Test
  void afterShutdownNothingIsSent() throws Exception {
    OtlpHttpSender s = sender();
    byte[] body = body(s);
    s.shutdown().block(Duration.ofSeconds(5));

    assertThat(await(s.send(body).toFuture())).isEqualTo(new SendResult(0, FailureReason.SHUTDOWN_DEADLINE, 0));
    assertThat(receiver.requestCount()).isZero();
  }
}
