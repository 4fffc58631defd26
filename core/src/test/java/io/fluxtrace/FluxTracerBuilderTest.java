package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.internal.config.TracerConfig;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.util.TestLogger;
import reactor.util.Loggers;

/** Every setting from its environment variable (valid, malformed, missing) and from the builder. */
class FluxTracerBuilderTest {

  private static final String PK = "pk-lf-1111222233334444";
  private static final String SK = "sk-lf-9999888877776666";
  private static final String OTLP = "/api/public/otel/v1/traces";

  private final TestLogger logger = new TestLogger(false);

  @BeforeEach
  void captureLogs() {
    Loggers.useCustomLoggers(name -> logger);
  }

  @AfterEach
  void resetLogs() {
    Loggers.resetLoggerFactory();
  }

  private static Map<String, String> keys(String... more) {
    Map<String, String> env = new HashMap<>();
    env.put("LANGFUSE_PUBLIC_KEY", PK);
    env.put("LANGFUSE_SECRET_KEY", SK);
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  private static TracerConfig config(Map<String, String> env) {
    return FluxTracer.builder(env).shutdownHook(false).toConfig();
  }

  private static TracerConfig config(String... env) {
    return config(keys(env));
  }

  private static void assertMalformed(String variable, String value, String expected) {
    assertThatThrownBy(() -> config(variable, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("environment variable " + variable)
        .hasMessageContaining(expected);
  }

  // --- defaults and missing keys ---

  @Test
  void withoutAnyVariableTracingIsOffWithOneWarningAndDocumentedDefaults() {
    TracerConfig config = config(Map.of());

    assertThat(config.enabled()).isFalse();
    assertThat(config.endpoint()).isEqualTo(URI.create("https://cloud.langfuse.com" + OTLP));
    assertThat(config.langfuse()).isTrue();
    assertThat(config.sampleRate()).isEqualTo(1.0);
    assertThat(config.flushAt()).isEqualTo(FluxTracerBuilder.DEFAULT_FLUSH_AT);
    assertThat(config.flushInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.environment()).isNull();
    assertThat(config.release()).isNull();
    assertThat(config.gzip()).isTrue();
    assertThat(config.retryTimedOutRequests()).isFalse();
    assertThat(config.maxExportAttempts()).isEqualTo(FluxTracerBuilder.DEFAULT_MAX_EXPORT_ATTEMPTS);
    assertThat(logger.getErrContent().split("\\[ WARN]", -1)).hasSize(2);
    assertThat(logger.getErrContent())
        .contains("tracing is disabled")
        .contains("LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are not set");
  }

  @Test
  void aMissingSecretKeyIsNamedAndDisablesTracingWithoutThrowing() {
    TracerConfig config = config(Map.of("LANGFUSE_PUBLIC_KEY", PK));

    assertThat(config.enabled()).isFalse();
    assertThat(logger.getErrContent()).contains("LANGFUSE_SECRET_KEY is not set").doesNotContain(PK);
  }

  @Test
  void aMissingPublicKeyIsNamed() {
    TracerConfig config = config(Map.of("LANGFUSE_SECRET_KEY", SK));

    assertThat(config.enabled()).isFalse();
    assertThat(logger.getErrContent()).contains("LANGFUSE_PUBLIC_KEY is not set").doesNotContain(SK);
  }

  @Test
  void blankKeysCountAsMissing() {
    assertThat(config(Map.of("LANGFUSE_PUBLIC_KEY", " ", "LANGFUSE_SECRET_KEY", "")).enabled()).isFalse();
  }

  @Test
  void missingKeysWithPlainHttpToARemoteHostStillDoNotThrow() {
    TracerConfig config = config(Map.of("LANGFUSE_BASE_URL", "http://langfuse.example.com"));

    assertThat(config.enabled()).isFalse();
  }

  @Test
  void explicitlyDisabledTracingDoesNotWarnAboutKeys() {
    TracerConfig config = config(Map.of("LANGFUSE_TRACING_ENABLED", "false"));

    assertThat(config.enabled()).isFalse();
    assertThat(logger.getErrContent()).isEmpty();
  }

  @Test
  void anOtlpEndpointOrAnExporterNeedsNoKeys() {
    TracerConfig otlp = FluxTracer.builder(Map.of()).otlpEndpoint("http://localhost:4318/v1/traces").toConfig();
    assertThat(otlp.enabled()).isTrue();
    assertThat(otlp.langfuse()).isFalse();
    assertThat(otlp.endpoint()).isEqualTo(URI.create("http://localhost:4318/v1/traces"));

    TracerConfig custom = FluxTracer.builder(Map.of()).exporter(InMemorySpanExporter.create()).toConfig();
    assertThat(custom.enabled()).isTrue();
    assertThat(logger.getErrContent()).isEmpty();
  }

  @Test
  void anOtlpEndpointIgnoresTheLangfuseKeys() {
    TracerConfig config = FluxTracer.builder(keys()).otlpEndpoint("https://otel.example.com/v1/traces").toConfig();

    assertThat(config.publicKey()).isNull();
    assertThat(config.secretKey()).isNull();
  }

  // --- valid values ---

  @Test
  void keysFromTheEnvironmentEnableTracing() {
    TracerConfig config = config();

    assertThat(config.enabled()).isTrue();
    assertThat(config.publicKey()).isEqualTo(PK);
    assertThat(config.secretKey()).isEqualTo(SK);
    assertThat(logger.getErrContent()).isEmpty();
  }

  @Test
  void valuesAreTrimmed() {
    TracerConfig config = config(Map.of("LANGFUSE_PUBLIC_KEY", " " + PK + "\n", "LANGFUSE_SECRET_KEY", SK + " ",
        "LANGFUSE_FLUSH_AT", " 20 ", "LANGFUSE_BASE_URL", " https://us.cloud.langfuse.com/ "));

    assertThat(config.publicKey()).isEqualTo(PK);
    assertThat(config.secretKey()).isEqualTo(SK);
    assertThat(config.flushAt()).isEqualTo(20);
    assertThat(config.endpoint()).isEqualTo(URI.create("https://us.cloud.langfuse.com" + OTLP));
  }

  @ParameterizedTest
  @CsvSource({
      "https://us.cloud.langfuse.com, https://us.cloud.langfuse.com",
      "https://us.cloud.langfuse.com/, https://us.cloud.langfuse.com",
      "https://us.cloud.langfuse.com///, https://us.cloud.langfuse.com",
      "https://lf.example.com/langfuse/, https://lf.example.com/langfuse",
      "https://lf.example.com/api/public/otel/v1/traces, https://lf.example.com",
      "http://localhost:3000, http://localhost:3000"})
  void baseUrlGetsTheOtlpPath(String baseUrl, String expectedBase) {
    assertThat(config("LANGFUSE_BASE_URL", baseUrl).endpoint()).isEqualTo(URI.create(expectedBase + OTLP));
  }

  @Test
  void langfuseHostIsTheFallbackForBaseUrl() {
    assertThat(config("LANGFUSE_HOST", "https://eu.example.com/").endpoint())
        .isEqualTo(URI.create("https://eu.example.com" + OTLP));
    assertThat(config("LANGFUSE_HOST", "https://host.example.com", "LANGFUSE_BASE_URL",
        "https://base.example.com").endpoint()).isEqualTo(URI.create("https://base.example.com" + OTLP));
  }

  @Test
  void theBuilderWinsOverTheEnvironment() {
    TracerConfig config = FluxTracer.builder(keys("LANGFUSE_BASE_URL", "https://env.example.com",
            "LANGFUSE_SAMPLE_RATE", "0.1", "LANGFUSE_FLUSH_AT", "7", "LANGFUSE_TRACING_ENABLED", "false"))
        .baseUrl("https://builder.example.com")
        .sampleRate(0.9)
        .flushAt(70)
        .enabled(true)
        .publicKey("pk-lf-builder-0000")
        .toConfig();

    assertThat(config.endpoint()).isEqualTo(URI.create("https://builder.example.com" + OTLP));
    assertThat(config.sampleRate()).isEqualTo(0.9);
    assertThat(config.flushAt()).isEqualTo(70);
    assertThat(config.enabled()).isTrue();
    assertThat(config.publicKey()).isEqualTo("pk-lf-builder-0000");
  }

  @Test
  void environmentAndRelease() {
    TracerConfig config = config("LANGFUSE_TRACING_ENVIRONMENT", "staging", "LANGFUSE_RELEASE", "v1.2.3");

    assertThat(config.environment()).isEqualTo("staging");
    assertThat(config.release()).isEqualTo("v1.2.3");
  }

  @ParameterizedTest
  @CsvSource({"0, 0.0", "0.25, 0.25", "1, 1.0", "1.0, 1.0"})
  void sampleRate(String value, double expected) {
    assertThat(config("LANGFUSE_SAMPLE_RATE", value).sampleRate()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"true, true", "TRUE, true", "1, true", "yes, true", "false, false", "False, false", "0, false",
      "no, false"})
  void tracingEnabled(String value, boolean expected) {
    assertThat(config("LANGFUSE_TRACING_ENABLED", value).enabled()).isEqualTo(expected);
  }

  @Test
  void flushAt() {
    assertThat(config("LANGFUSE_FLUSH_AT", "100").flushAt()).isEqualTo(100);
  }

  @Test
  void flushIntervalAndTimeoutAreSeconds() {
    TracerConfig config = config("LANGFUSE_FLUSH_INTERVAL", "0.5", "LANGFUSE_TIMEOUT", "3");

    assertThat(config.flushInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(3));
  }

  // --- malformed values ---

  @ParameterizedTest
  @ValueSource(strings = {"abc", "1.5", "-0.1", "NaN", "50%"})
  void malformedSampleRate(String value) {
    assertMalformed("LANGFUSE_SAMPLE_RATE", value, "a number from 0.0 to 1.0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"maybe", "on", "2"})
  void malformedTracingEnabled(String value) {
    assertMalformed("LANGFUSE_TRACING_ENABLED", value, "true or false");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ten", "0", "-3", "1.5", "99999999999"})
  void malformedFlushAt(String value) {
    assertMalformed("LANGFUSE_FLUSH_AT", value, "a whole number of spans, at least 1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"fast", "0", "-1", "1s", "1000000", "0.0001"})
  void malformedFlushInterval(String value) {
    assertMalformed("LANGFUSE_FLUSH_INTERVAL", value, "a positive number of seconds");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10s", "0", "-5", "Infinity"})
  void malformedTimeout(String value) {
    assertMalformed("LANGFUSE_TIMEOUT", value, "a positive number of seconds");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cloud.langfuse.com", "ftp://cloud.langfuse.com", "https://", "not a url",
      "https://cloud.langfuse.com?x=1"})
  void malformedBaseUrl(String value) {
    assertMalformed("LANGFUSE_BASE_URL", value, "URL");
  }

  @Test
  void malformedHostIsNamedAsSuch() {
    assertMalformed("LANGFUSE_HOST", "langfuse.example.com", "http:// or https:// URL");
  }

  @Test
  void theBuilderNamesItsOwnSettingWhenInvalid() {
    assertThatThrownBy(() -> FluxTracer.builder(keys()).sampleRate(2).toConfig())
        .hasMessageContaining("sampleRate must be a number from 0.0 to 1.0")
        .hasMessageNotContaining("LANGFUSE_SAMPLE_RATE");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).flushAt(0).toConfig()).hasMessageContaining("flushAt");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).timeout(Duration.ZERO).toConfig())
        .hasMessageContaining("timeout must be positive");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).baseUrl("nope").toConfig())
        .hasMessageContaining("baseUrl must be an http:// or https:// URL");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).maxBackoff(Duration.ofMillis(10)).toConfig())
        .hasMessageContaining("maxBackoff must be at least initialBackoff");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).maxExportAttempts(0).toConfig())
        .hasMessageContaining("maxExportAttempts must be from 1 to 10");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).serviceName(" ").toConfig())
        .hasMessageContaining("serviceName");
  }

  @Test
  void baseUrlAndOtlpEndpointTogetherAreRefused() {
    assertThatThrownBy(() -> FluxTracer.builder(keys()).baseUrl("https://a.example.com")
        .otlpEndpoint("https://b.example.com/v1/traces").toConfig())
        .hasMessageContaining("either baseUrl")
        .hasMessageContaining("otlpEndpoint");
  }

  // --- transport security and secrets ---

  @Test
  void plainHttpToARemoteHostIsRefusedUnlessAllowed() {
    assertThatThrownBy(() -> config("LANGFUSE_BASE_URL", "http://langfuse.example.com"))
        .hasMessageContaining("refusing plain http:// to langfuse.example.com")
        .hasMessageContaining("allowInsecureHttp");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).otlpEndpoint("http://10.0.0.5:4318/v1/traces")
        .toConfig()).hasMessageContaining("refusing plain http://");

    TracerConfig allowed = FluxTracer.builder(keys("LANGFUSE_BASE_URL", "http://langfuse.example.com"))
        .allowInsecureHttp(true).toConfig();
    assertThat(allowed.endpoint().getScheme()).isEqualTo("http");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://localhost:3000", "http://LOCALHOST", "http://127.0.0.1:3000",
      "http://127.1.2.3", "http://[::1]:3000"})
  void plainHttpToLoopbackIsAllowed(String url) {
    assertThat(config("LANGFUSE_BASE_URL", url).enabled()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1.nip.io", "http://localhost.example.com", "http://127.example.com"})
  void namesThatOnlyLookLikeLoopbackAreNot(String url) {
    assertThatThrownBy(() -> config("LANGFUSE_BASE_URL", url)).hasMessageContaining("refusing plain http://");
  }

  @Test
  void credentialsInTheUrlAreRefusedWithoutRepeatingThem() {
    assertThatThrownBy(() -> config("LANGFUSE_BASE_URL", "https://user:hunter2@lf.example.com"))
        .hasMessageContaining("LANGFUSE_BASE_URL must not carry credentials")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> config("LANGFUSE_BASE_URL", "https://user:hunter2@lf example.com"))
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void swappedKeysAreCaughtWithoutShowingThem() {
    assertThatThrownBy(() -> config(Map.of("LANGFUSE_PUBLIC_KEY", SK, "LANGFUSE_SECRET_KEY", PK)))
        .hasMessageContaining("LANGFUSE_PUBLIC_KEY looks like a secret key")
        .hasMessageContaining("swapped")
        .hasMessageNotContaining(SK)
        .hasMessageNotContaining(PK);
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).publicKey(PK).secretKey(PK).toConfig())
        .hasMessageContaining("secretKey looks like a public key");
  }

  @Test
  void invalidHeadersAreRefusedWithoutShowingTheirValue() {
    assertThatThrownBy(() -> FluxTracer.builder(keys()).header("bad name", "x").toConfig())
        .hasMessageContaining("'bad name' is not a valid HTTP header name");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).header("x-token", "secret-value\r\nX-Injected: 1")
        .toConfig())
        .hasMessageContaining("header x-token contains a line break")
        .hasMessageNotContaining("secret-value");
    assertThatThrownBy(() -> FluxTracer.builder(keys()).header("Content-Encoding", "br").toConfig())
        .hasMessageContaining("Content-Encoding is set by fluxtrace");
  }

  @Test
  void secretsNeverAppearInToString() {
    TracerConfig config = FluxTracer.builder(keys())
        .otlpEndpoint("https://otel.example.com/v1/traces?api_key=query-secret")
        .header("x-api-key", "header-secret")
        .toConfig();
    TracerConfig langfuse = config();
    FluxTracer tracer = FluxTracer.builder(keys()).shutdownHook(false).build();
    try {
      assertThat(config.toString()).doesNotContain("query-secret").doesNotContain("header-secret")
          .contains("x-api-key");
      assertThat(langfuse.toString()).doesNotContain(SK).doesNotContain(PK).contains("pk-lf-****4444");
      assertThat(tracer.toString()).doesNotContain(SK).doesNotContain(PK);
    } finally {
      tracer.close();
    }
  }
}
