package io.fluxtrace;

import static io.fluxtrace.TracerFaultMatrixTest.endSpans;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.Exporters;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.testing.LogCapture;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * The secret key never leaves through a side door: not in logs (every level, during a run full of faults), not in
 * exceptions (builder errors caused by a key pasted into the wrong place), not in {@code toString()} of anything a
 * user can reach, not in stats. Plain http to a host other than loopback is refused unless allowed.
 */
@Timeout(60)
class SecretsTest {

  private static final String PUBLIC_KEY = "pk-lf-public-0123456789";
  private static final String SECRET_KEY = "sk-lf-do-not-leak-9876543210";
  /** A self-hosted secret need not have the usual prefix. */
  private static final String UNPREFIXED_SECRET = "hunter2-do-not-leak";
  private static final String BASIC = Base64.getEncoder().encodeToString(
      (PUBLIC_KEY + ":" + SECRET_KEY).getBytes(StandardCharsets.UTF_8));
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static void assertNoSecret(String text) {
    assertThat(text)
        .doesNotContain(SECRET_KEY)
        .doesNotContain("do-not-leak")
        .doesNotContain(BASIC)
        .doesNotContain(PUBLIC_KEY);
  }

  private static String fullText(Throwable error) {
    StringWriter text = new StringWriter();
    error.printStackTrace(new PrintWriter(text));
    return text.toString();
  }

  @Test
  void aRunWithAuthFailuresAndEveryOtherFaultNeverLogsTheSecret() {
    try (LogCapture logs = LogCapture.install(); OtlpReceiver receiver = OtlpReceiver.start()) {
      FluxTracer tracer = FluxTracer.builder(Map.of())
          .publicKey(PUBLIC_KEY)
          .secretKey(SECRET_KEY)
          .baseUrl(receiver.baseUrl())
          .shutdownHook(false)
          .flushAt(1000)
          .flushInterval(Duration.ofMinutes(1))
          .timeout(Duration.ofSeconds(2))
          .maxExportAttempts(3)
          .initialBackoff(Duration.ofMillis(10))
          .maxBackoff(Duration.ofMillis(50))
          .shutdownTimeout(Duration.ofSeconds(1))
          .build();
      Reply[][] rounds = {
          {Reply.status(401)}, {Reply.status(401)}, {Reply.status(403)},
          {Reply.status(503), Reply.status(503), Reply.status(503)},
          {Reply.resetConnection()}, {Reply.cutOffAfterHeaders(502)}, {Reply.closeConnection()},
          {Reply.status(400)}, {Reply.status(500)}, {Reply.status(413)}, {Reply.retryAfterSeconds(0)},
          {Reply.ok().until(Mono.never())}};
      int round = 0;
      for (Reply[] replies : rounds) {
        receiver.enqueue(replies);
        endSpans(tracer, "round-" + round++ + "-", 1);
        assertThat(tracer.flushBlocking(WAIT).completed()).isTrue();
      }
      receiver.stop();
      endSpans(tracer, "refused-", 1);
      tracer.flushBlocking(WAIT);
      receiver.restart();
      // The shutdown deadline passes while the backend sits on the last request.
      receiver.enqueue(Reply.ok().until(Mono.never()));
      endSpans(tracer, "at-shutdown-", 1);
      tracer.close();

      TracerStats stats = tracer.stats();
      assertThat(stats.failed(FailureReason.UNAUTHORIZED)).isEqualTo(3);
      assertThat(stats.failed(FailureReason.SHUTDOWN_DEADLINE)).isEqualTo(1);
      assertThat(stats.failed(FailureReason.TIMEOUT)).isEqualTo(1);
      // 503 three times, then refused three times.
      assertThat(stats.failed(FailureReason.RETRIES_EXHAUSTED)).isEqualTo(2);
      String logged = logs.text();
      assertThat(logs.count("ERROR", "HTTP 401")).as("reported loudly once").isEqualTo(1);
      assertThat(logs.count("DEBUG", "HTTP 403")).as("later rejections at debug").isEqualTo(1);
      assertThat(logged)
          .contains("pk-lf-****6789")
          .contains("RETRIES_EXHAUSTED")
          .contains("TIMEOUT")
          .contains("shutdown deadline");
      assertNoSecret(logged);
      assertNoSecret(stats.toString());
      assertNoSecret(tracer.toString());
    }
  }

  static Stream<Arguments> keysInTheWrongPlace() {
    Map<String, Supplier<FluxTracerBuilder>> cases = new HashMap<>();
    for (String variable : new String[] {"LANGFUSE_BASE_URL", "LANGFUSE_HOST", "LANGFUSE_SAMPLE_RATE",
        "LANGFUSE_FLUSH_AT", "LANGFUSE_FLUSH_INTERVAL", "LANGFUSE_TIMEOUT", "LANGFUSE_TRACING_ENABLED"}) {
      cases.put(variable + " = the secret key", () -> FluxTracer.builder(env(variable, SECRET_KEY)));
      cases.put(variable + " = an unprefixed secret key",
          () -> FluxTracer.builder(env(variable, UNPREFIXED_SECRET, "LANGFUSE_SECRET_KEY", UNPREFIXED_SECRET)));
    }
    cases.put("the secret key set with the builder, pasted as timeout", () -> FluxTracer.builder(
        Map.of("LANGFUSE_TIMEOUT", UNPREFIXED_SECRET)).publicKey(PUBLIC_KEY).secretKey(UNPREFIXED_SECRET));
    cases.put("keys swapped", () -> FluxTracer.builder(
        Map.of("LANGFUSE_PUBLIC_KEY", SECRET_KEY, "LANGFUSE_SECRET_KEY", PUBLIC_KEY)));
    cases.put("secret key in the base URL's query", () -> FluxTracer.builder(
        env("LANGFUSE_BASE_URL", "https://cloud.langfuse.com/?key=" + SECRET_KEY)));
    cases.put("secret key in a base URL that does not parse", () -> FluxTracer.builder(
        env("LANGFUSE_BASE_URL", "https://cloud.langfuse.com/ " + SECRET_KEY)));
    cases.put("secret key as URL credentials", () -> FluxTracer.builder(
        env("LANGFUSE_BASE_URL", "https://user:" + SECRET_KEY + "@cloud.langfuse.com")));
    cases.put("secret key in an OTLP endpoint over plain http", () -> FluxTracer.builder(Map.of())
        .otlpEndpoint("http://collector.example.com/v1/traces?token=" + SECRET_KEY));
    cases.put("header name and value swapped", () -> FluxTracer.builder(env())
        .header("Bearer " + SECRET_KEY, "Authorization"));
    cases.put("a header value with a line break", () -> FluxTracer.builder(env())
        .header("Authorization", "Bearer " + SECRET_KEY + "\r\n"));
    return cases.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  private static Map<String, String> env(String... entries) {
    Map<String, String> env = new HashMap<>();
    env.put("LANGFUSE_PUBLIC_KEY", PUBLIC_KEY);
    env.put("LANGFUSE_SECRET_KEY", SECRET_KEY);
    for (int i = 0; i < entries.length; i += 2) {
      env.put(entries[i], entries[i + 1]);
    }
    return env;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("keysInTheWrongPlace")
  void builderErrorsNeverRepeatTheSecretKey(String mistake, Supplier<FluxTracerBuilder> builder) {
    Throwable error = catchThrowable(() -> builder.get().shutdownHook(false).build().close());

    assertThat(error).as(mistake).isInstanceOf(IllegalArgumentException.class);
    assertThat(error.getMessage()).startsWith("fluxtrace: ");
    assertNoSecret(fullText(error));
  }

  @Test
  void toStringOfEverythingAUserCanReachHidesTheKeys() {
    OtlpReceiver receiver = OtlpReceiver.start();
    FluxTracerBuilder builder = FluxTracer.builder(env()).shutdownHook(false).baseUrl(receiver.baseUrl())
        .header("x-api-key", UNPREFIXED_SECRET);
    TracerConfig config = TestConfigs.config(builder);
    SpanExporter exporter = new Exporters(config).spanExporter(new TracerMetrics());
    FluxTracer tracer = builder.build();
    try {
      tracer.startSpan("span", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
      FlushResult flushed = tracer.flushBlocking(WAIT);

      assertThat(flushed.exported()).isEqualTo(1);
      assertThat(exporter.toString()).contains("OtlpHttpSender").contains(receiver.baseUrl());
      assertThat(config.toString()).contains("pk-lf-****6789").contains("secretKey=****").contains("x-api-key");
      for (Object reachable : new Object[] {builder, config, exporter, tracer, tracer.stats(), flushed,
          flushed.stats()}) {
        assertNoSecret(reachable.toString());
      }
    } finally {
      exporter.shutdown().block(WAIT);
      tracer.close();
      receiver.close();
    }
  }

  @Test
  void plainHttpToARemoteHostIsRefusedWithAClearMessageUnlessAllowed() {
    FluxTracerBuilder remote = FluxTracer.builder(env()).shutdownHook(false)
        .baseUrl("http://langfuse.internal.example:3000");

    assertThatThrownBy(remote::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fluxtrace: refusing plain http:// to langfuse.internal.example: keys and traced content would"
            + " travel unencrypted. Use https://, or allowInsecureHttp(true) if the network is trusted.");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).shutdownHook(false)
        .otlpEndpoint("http://10.1.2.3:4318/v1/traces").header("x-api-key", UNPREFIXED_SECRET).build())
        .hasMessageStartingWith("fluxtrace: refusing plain http:// to 10.1.2.3:")
        .satisfies(e -> assertNoSecret(fullText(e)));

    FluxTracer allowed = remote.allowInsecureHttp(true).build();
    FluxTracer loopback = FluxTracer.builder(env()).shutdownHook(false).baseUrl("http://127.0.0.1:3000").build();
    try {
      assertThat(allowed.isEnabled()).isTrue();
      assertThat(loopback.isEnabled()).isTrue();
    } finally {
      allowed.shutdown().block(WAIT);
      loopback.shutdown().block(WAIT);
    }
  }
}
