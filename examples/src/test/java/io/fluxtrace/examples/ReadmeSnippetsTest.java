package io.fluxtrace.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.ContentMasker;
import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The README snippets that are not in reactor-integration's {@code ReadmeExamplesTest}: configuration, other OTLP
 * backends, flushing and closing, troubleshooting. Each {@code // README: name} region is pasted verbatim into the
 * README ({@link ReadmeTest} checks that they match). Tests run them; the build has no Langfuse keys, so a tracer
 * built from the environment alone is disabled.
 */
class ReadmeSnippetsTest {

  private static final Logger log = Loggers.getLogger(ReadmeSnippetsTest.class);
  private final AtomicInteger jobs = new AtomicInteger();

  static FluxTracer configured() {
    // README: configuration
    FluxTracer tracer = FluxTracer.builder()          // LANGFUSE_* variables as defaults
        .environment("production")
        .flushAt(256)
        .build();
    // END README
    return tracer;
  }

  @Test
  void aTracerWithoutKeysIsDisabledRatherThanFailing() {
    try (FluxTracer tracer = configured()) {
      assertThat(tracer.isEnabled()).isFalse();
    }
  }

  static FluxTracer otlp(String token) {
    // README: otlp
    FluxTracer tracer = FluxTracer.builder()
        .otlpEndpoint("http://localhost:4318/v1/traces") // an OpenTelemetry Collector, Jaeger, Tempo, ...
        .header("Authorization", "Bearer " + token)      // whatever the backend asks for
        .serviceName("support-bot")
        .build();
    // END README
    return tracer;
  }

  @Test
  void anOtlpBackendNeedsNoLangfuseKeysAndItsHeaderValueIsNeverShown() {
    try (FluxTracer tracer = otlp("s3cr3t-token")) {
      assertThat(tracer.isEnabled()).isTrue();
      assertThat(tracer.toString()).contains("localhost:4318").doesNotContain("s3cr3t-token");
    }
  }

  // README: masking
  static final Pattern CARD = Pattern.compile("\\b(?:\\d{4}[- ]?){3}\\d{4}\\b");

  static ContentMasker masker() {
    return ContentMasker.deep((name, text) ->           // every string, at any depth of maps, lists and records
        "apiKey".equals(name) ? "***" : CARD.matcher(text).replaceAll("****"));
  }
  // END README

  @Test
  void theDeepMaskerReachesIntoMapsAndRecords() {
    record Payment(String card, Map<String, String> headers) {}
    try (OtlpReceiver backend = OtlpReceiver.start();
        FluxTracer tracer = FluxTracer.builder(Map.of()).otlpEndpoint(backend.url("/v1/traces"))
            .masker(masker()).build()) {
      tracer.startSpan("pay", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(new Payment("4111 1111 1111 1111", Map.of("apiKey", "sk-live-123")))
          .end();
      assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).isClean()).isTrue();
      OtlpReceiver.ReceivedRequest request = backend.awaitRequest();
      assertThat(OtlpJson.attributes(OtlpJson.singleSpan(request.traces())).get("langfuse.observation.input"))
          .isEqualTo("{\"card\":\"****\",\"headers\":{\"apiKey\":\"***\"}}");
      assertThat(request.bodyText()).doesNotContain("4111").doesNotContain("sk-live-123");
    }
  }

  void job() {
    // README: close
    try (FluxTracer tracer = FluxTracer.builder().build()) {
      runJob(tracer);
    } // close(): drains, then stops; at most shutdownTimeout (default 30 s), 200 ms more than the export if idle
    // END README
  }

  /** A tracer for a Spring Boot application, whose graceful shutdown may last its whole 30 s phase. */
  static FluxTracer springTracer() {
    // README: host-shutdown
    FluxTracer tracer = FluxTracer.builder()
        // spring.lifecycle.timeout-per-shutdown-phase (30 s) + the 5 s kept for delivery
        .shutdownTimeout(Duration.ofSeconds(35))
        .build();
    // END README
    return tracer;
  }

  @Test
  void aHostTracerDrainsForLongerThanTheHostsGracefulPhase() {
    try (FluxTracer tracer = springTracer()) {
      assertThat(tracer.toString()).contains("shutdownTimeout=PT35S").contains("shutdownQuietPeriod=PT0.2S");
    }
  }

  private void runJob(FluxTracer tracer) {
    tracer.startSpan("job", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
    jobs.incrementAndGet();
  }

  @Test
  void aCliJobClosesItsTracer() {
    job();
    assertThat(jobs).hasValue(1);
  }

  // README: flush
  /** For a job that must know whether its spans were delivered. */
  static boolean delivered(FluxTracer tracer) {
    FlushResult result = tracer.flushBlocking(Duration.ofSeconds(10));
    if (!result.isClean()) {
      log.warn("fluxtrace: {} spans failed {}, {} dropped, flush completed: {}",
          result.failed(), result.stats().failedByReason(), result.dropped(), result.completed());
    }
    return result.isClean();
  }
  // END README

  @Test
  void aFlushSaysWhetherEverySpanWasDelivered() {
    try (OtlpReceiver backend = OtlpReceiver.start()) {
      try (FluxTracer tracer = FluxTracer.builder(Map.of()).otlpEndpoint(backend.url("/v1/traces")).build()) {
        tracer.startSpan("delivered", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
        assertThat(delivered(tracer)).isTrue();

        backend.respondWith(request -> Reply.status(400));
        tracer.startSpan("refused", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
        assertThat(delivered(tracer)).isFalse();
        assertThat(tracer.stats().exported()).isEqualTo(1);
      }
    }
  }

  static FluxTracer selfHosted() {
    // README: insecure
    FluxTracer tracer = FluxTracer.builder()
        .baseUrl("http://langfuse-web:3000") // a Docker Compose service: plain HTTP on a trusted network
        .allowInsecureHttp(true)             // without it, build() refuses http:// to a host that is not loopback
        .build();
    // END README
    return tracer;
  }

  @Test
  void plainHttpToAnotherHostNeedsAllowInsecureHttp() {
    selfHosted().close();
    Map<String, String> keys = Map.of("LANGFUSE_PUBLIC_KEY", "pk-lf-1", "LANGFUSE_SECRET_KEY", "sk-lf-1");
    assertThatThrownBy(() -> FluxTracer.builder(keys).baseUrl("http://langfuse-web:3000").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refusing plain http:// to langfuse-web")
        .hasMessageContaining("allowInsecureHttp(true)");
    FluxTracer allowed = FluxTracer.builder(keys).baseUrl("http://langfuse-web:3000").allowInsecureHttp(true)
        .shutdownHook(false).build();
    assertThat(allowed.isEnabled()).isTrue();
    allowed.close();
  }
}
