package io.fluxtrace.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.TailSampling;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.internal.TracerAccess;
import io.fluxtrace.internal.config.MediaSettings;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.spring.boot.autoconfigure.FluxtraceActuatorAutoConfiguration;
import io.fluxtrace.spring.boot.autoconfigure.FluxtraceAutoConfiguration;
import io.fluxtrace.spring.boot.autoconfigure.FluxtraceMetricsAutoConfiguration;
import io.fluxtrace.spring.boot.autoconfigure.FluxtraceTraceJoinAutoConfiguration;
import io.fluxtrace.spring.boot.autoconfigure.FluxtraceWebFluxAutoConfiguration;
import io.fluxtrace.spring.boot.internal.FluxtraceInfoContributor;
import io.fluxtrace.spring.boot.internal.FluxtraceLifecycle;
import io.fluxtrace.spring.boot.internal.FluxtraceMeterBinder;
import io.fluxtrace.spring.boot.internal.FluxtraceWebFilter;
import io.fluxtrace.spring.boot.internal.InvalidConfigurationFailureAnalyzer;
import io.fluxtrace.spring.boot.internal.MicrometerTraceJoin;
import io.fluxtrace.spring.boot.internal.OpenTelemetryTraceJoin;
import io.fluxtrace.testing.LogCapture;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition of the auto-configuration, in real application contexts. */
class AutoConfigurationTest {

  private static final String PK = "pk-lf-1234567890";
  private static final String SK = "sk-lf-topsecret-0987654321";

  private static final AutoConfigurations ALL = AutoConfigurations.of(FluxtraceAutoConfiguration.class,
      FluxtraceTraceJoinAutoConfiguration.class, FluxtraceWebFluxAutoConfiguration.class,
      FluxtraceMetricsAutoConfiguration.class, FluxtraceActuatorAutoConfiguration.class);

  private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(ALL);
  private final OtlpReceiver receiver = OtlpReceiver.start();

  @AfterEach
  void stopReceiver() {
    receiver.close();
  }

  @Test
  void withoutKeysTracingIsOffWithOneLogLineAndEveryBeanExists() {
    try (LogCapture logs = LogCapture.install()) {
      runner.run(context -> {
        assertThat(context).hasNotFailed()
            .hasSingleBean(FluxTracer.class)
            .hasSingleBean(ReactorTracing.class)
            .hasSingleBean(FluxtraceLifecycle.class)
            .hasSingleBean(FluxtraceMeterBinder.class)
            .hasSingleBean(FluxtraceInfoContributor.class)
            .hasBean("fluxtraceHealthIndicator");
        assertThat(context.getBean(FluxTracer.class).isEnabled()).isFalse();
        // The operators pass everything through.
        ReactorTracing tracing = context.getBean(ReactorTracing.class);
        assertThat(reactor.core.publisher.Mono.just("a").transform(tracing.span("s").mono()).block())
            .isEqualTo("a");
      });
      assertThat(logs.matching("WARN", "tracing is off")).singleElement()
          .satisfies(e -> assertThat(e.message()).contains("fluxtrace.public-key", "fluxtrace.secret-key",
              "LANGFUSE_PUBLIC_KEY"));
      assertThat(logs.count("WARN", "tracing is disabled")).as("the builder's own line is not repeated").isZero();
    }
  }

  @Test
  void keysFromPropertiesTurnTracingOnAndSpansReachTheEndpoint() {
    runner.withPropertyValues("fluxtrace.public-key=" + PK, "fluxtrace.secret-key=" + SK,
            "fluxtrace.base-url=" + receiver.baseUrl(), "fluxtrace.flush-interval=50ms",
            "spring.application.name=starter-test")
        .run(context -> {
          FluxTracer tracer = context.getBean(FluxTracer.class);
          assertThat(tracer.isEnabled()).isTrue();
          tracer.startSpan("one", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
          OtlpReceiver.ReceivedRequest request = receiver.awaitRequest();
          assertThat(request.path()).isEqualTo("/api/public/otel/v1/traces");
          assertThat(request.header("x-langfuse-public-key")).isEqualTo(PK);
          assertThat(OtlpJson.resourceAttributes(request.traces()))
              .containsEntry("service.name", "starter-test");
        });
  }

  /** Protobuf unless {@code fluxtrace.otlp-protocol} asks for JSON; either way the same span arrives. */
  @ParameterizedTest
  @CsvSource({"'', application/x-protobuf", "http/protobuf, application/x-protobuf", "http/json, application/json"})
  void theOtlpProtocolPropertyPicksTheWireFormatAndProtobufIsTheDefault(String protocol, String contentType) {
    ApplicationContextRunner configured = runner.withPropertyValues("fluxtrace.public-key=" + PK,
        "fluxtrace.secret-key=" + SK, "fluxtrace.base-url=" + receiver.baseUrl(), "fluxtrace.flush-interval=50ms");
    if (!protocol.isEmpty()) {
      configured = configured.withPropertyValues("fluxtrace.otlp-protocol=" + protocol);
    }
    configured.run(context -> {
      FluxTracer tracer = context.getBean(FluxTracer.class);
      tracer.startSpan("one", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
      OtlpReceiver.ReceivedRequest request = receiver.awaitRequest();
      assertThat(request.header("Content-Type")).isEqualTo(contentType);
      assertThat(OtlpJson.singleSpan(request.traces()).getName()).isEqualTo("one");
    });
  }

  @Test
  void langfuseVariablesAreTheFallback() {
    runner.withPropertyValues("LANGFUSE_PUBLIC_KEY=" + PK, "LANGFUSE_SECRET_KEY=" + SK,
            "LANGFUSE_BASE_URL=" + receiver.baseUrl(), "LANGFUSE_FLUSH_INTERVAL=0.05")
        .run(context -> {
          FluxTracer tracer = context.getBean(FluxTracer.class);
          assertThat(tracer.isEnabled()).isTrue();
          tracer.startSpan("one", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
          assertThat(receiver.awaitRequest().header("x-langfuse-public-key")).isEqualTo(PK);
        });
  }

  @Test
  void samplingPropertiesTurnOnTailSamplingAndABadOneFailsStartupNamingIt() {
    runner.withPropertyValues("fluxtrace.public-key=" + PK, "fluxtrace.secret-key=" + SK,
            "fluxtrace.base-url=" + receiver.baseUrl(), "fluxtrace.sample-rate=0.1", "fluxtrace.sampling.tail=true",
            "fluxtrace.sampling.keep-warnings=true", "fluxtrace.sampling.keep-slower-than=2s",
            "fluxtrace.sampling.max-held-spans=1000", "fluxtrace.sampling.decision-timeout=30s")
        .run(context -> {
          TailSampling tail = TracerAccess.config(context.getBean(FluxTracer.class)).sampling().tail();
          assertThat(tail).isNotNull();
          assertThat(Objects.requireNonNull(tail).keepErrors()).isTrue();
          assertThat(tail.keepWarnings()).isTrue();
          assertThat(tail.slowerThan()).isEqualTo(Duration.ofSeconds(2));
          assertThat(tail.maxHeldSpans()).isEqualTo(1000);
          assertThat(tail.decisionTimeout()).isEqualTo(Duration.ofSeconds(30));
          // The joined span is the application's own and its flag fluxtrace's own rate: decided here.
          assertThat(tail.decideJoinedTraces()).isTrue();
        });
    runner.withPropertyValues("fluxtrace.public-key=" + PK, "fluxtrace.secret-key=" + SK,
            "fluxtrace.sampling.tail=true", "fluxtrace.trace-join.honour-sampled-flag=true")
        .run(context -> assertThat(Objects.requireNonNull(TracerAccess.config(context.getBean(FluxTracer.class))
            .sampling().tail()).decideJoinedTraces()).isFalse());
    runner.withPropertyValues("fluxtrace.public-key=" + PK, "fluxtrace.secret-key=" + SK)
        .run(context -> assertThat(TracerAccess.config(context.getBean(FluxTracer.class)).sampling().tail()).isNull());
    runner.withPropertyValues("fluxtrace.sampling.tail=true", "fluxtrace.sampling.max-held-spans-per-trace=0")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(fullMessage(context.getStartupFailure())).contains("fluxtrace.sampling.max-held-spans-per-trace");
        });
  }

  @Test
  void propertiesWinOverTheVariables() {
    runner.withPropertyValues("LANGFUSE_PUBLIC_KEY=" + PK, "LANGFUSE_SECRET_KEY=" + SK, "fluxtrace.enabled=false")
        .run(context -> assertThat(context.getBean(FluxTracer.class).isEnabled()).isFalse());
  }

  @Test
  void theApplicationsOwnTracerIsUsedAndNoneIsBuilt() {
    FluxTracer own = FluxTracer.builder(Map.of()).exporter(InMemorySpanExporter.create()).shutdownHook(false).build();
    runner.withBean("myTracer", FluxTracer.class, () -> own)
        .run(context -> {
          assertThat(context).hasSingleBean(FluxTracer.class);
          assertThat(context.getBean(FluxTracer.class)).isSameAs(own);
          assertThat(context.getBean(ReactorTracing.class).tracer()).isSameAs(own);
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnPieces {
    @Bean
    InMemorySpanExporter exporter() {
      return InMemorySpanExporter.create();
    }

    @Bean
    ContentMasker masker() {
      return (kind, value) -> kind == ContentKind.INPUT ? "masked" : value;
    }

    @Bean(FluxtraceAutoConfiguration.OBJECT_MAPPER)
    ObjectMapper fluxtraceObjectMapper() {
      return new ObjectMapper();
    }

    @Bean
    FluxTracerCustomizer release() {
      return builder -> builder.maxValueBytes(64);
    }

    @Bean
    ReactorTracing reactorTracing(FluxTracer tracer) {
      return ReactorTracing.create(tracer);
    }

    @Bean
    FluxtraceLifecycle fluxtraceLifecycle(FluxTracer tracer) {
      return new FluxtraceLifecycle(tracer);
    }

    @Bean
    FluxtraceMeterBinder fluxtraceMeterBinder(FluxTracer tracer) {
      return new FluxtraceMeterBinder(tracer);
    }
  }

  @Test
  void theApplicationsBeansReplaceEachPiece() {
    runner.withUserConfiguration(OwnPieces.class)
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(ReactorTracing.class)
              .hasSingleBean(FluxtraceLifecycle.class).hasSingleBean(FluxtraceMeterBinder.class);
          FluxTracer tracer = context.getBean(FluxTracer.class);
          // The exporter turns tracing on without keys; the masker and the customizer are applied.
          assertThat(tracer.isEnabled()).isTrue();
          io.fluxtrace.Span span = tracer.startSpan("s", ObservationType.SPAN, null, TraceAttributes.EMPTY);
          span.input("secret question");
          span.output("x".repeat(1000));
          span.end();
          assertThat(tracer.flushBlocking(Duration.ofSeconds(10)).completed()).isTrue();
          assertThat(context.getBean(InMemorySpanExporter.class).spans()).singleElement().satisfies(data -> {
            assertThat(String.valueOf(data.input())).contains("masked").doesNotContain("secret question");
          });
          assertThat(tracer.stats().contentTruncated()).as("the customizer's max-value-bytes").isPositive();
          assertThat(context.getBean(InMemorySpanExporter.class).spans()).singleElement().satisfies(data -> {
            assertThat(String.valueOf(data.output()).length()).isLessThan(200);
          });
        });
  }

  @Test
  void micrometerTracingPresentOrAbsent() {
    runner.run(context -> assertThat(context).hasSingleBean(MicrometerTraceJoin.class)
        .hasSingleBean(OpenTelemetryTraceJoin.class));
    runner.withClassLoader(new FilteredClassLoader("io.micrometer.tracing"))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MicrometerTraceJoin.class)
            .hasSingleBean(OpenTelemetryTraceJoin.class));
    runner.withClassLoader(new FilteredClassLoader("io.micrometer.tracing", "io.opentelemetry"))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(TraceJoin.class));
    runner.withPropertyValues("fluxtrace.trace-join.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(TraceJoin.class));
  }

  @Test
  void actuatorPresentOrAbsent() {
    runner.run(context -> {
      assertThat(context).hasBean("fluxtraceHealthIndicator").hasSingleBean(FluxtraceInfoContributor.class);
      Info.Builder info = new Info.Builder();
      context.getBean(FluxtraceInfoContributor.class).contribute(info);
      assertThat(info.build().getDetails()).containsKey("fluxtrace");
    });
    runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
            "org.springframework.boot.health"))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("fluxtraceHealthIndicator")
            .doesNotHaveBean(FluxtraceInfoContributor.class).hasSingleBean(FluxTracer.class));
    runner.withPropertyValues("management.health.fluxtrace.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("fluxtraceHealthIndicator"));
  }

  @Test
  void micrometerAbsentLeavesNoMeters() {
    runner.withClassLoader(new FilteredClassLoader("io.micrometer"))
        .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(FluxtraceMeterBinder.class)
            .doesNotHaveBean(MicrometerTraceJoin.class).hasSingleBean(FluxTracer.class));
  }

  @Test
  void theWebFilterOnlyInReactiveWebApplications() {
    runner.run(context -> assertThat(context).doesNotHaveBean(FluxtraceWebFilter.class));
    ReactiveWebApplicationContextRunner web = new ReactiveWebApplicationContextRunner().withConfiguration(ALL);
    web.run(context -> assertThat(context).hasSingleBean(FluxtraceWebFilter.class));
    web.withPropertyValues("fluxtrace.web.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(FluxtraceWebFilter.class));
  }

  @Test
  void everyMeterIsRegisteredAndReadsTheTracer() {
    runner.withUserConfiguration(OwnPieces.class).run(context -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      context.getBean(FluxtraceMeterBinder.class).bindTo(registry);
      FluxTracer tracer = context.getBean(FluxTracer.class);
      long before = tracer.stats().exported();
      tracer.startSpan("s", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
      tracer.flushBlocking(Duration.ofSeconds(10));
      assertThat(registry.get("fluxtrace.spans.exported").functionCounter().count()).isEqualTo(before + 1.0);
      assertThat(registry.get("fluxtrace.spans.failed").tag("reason", "unauthorized").functionCounter().count())
          .isZero();
      assertThat(registry.get("fluxtrace.spans.dropped").tag("cause", "queue_full").functionCounter()).isNotNull();
      assertThat(registry.get("fluxtrace.scores.dropped").tag("cause", "no_exporter").functionCounter()).isNotNull();
      assertThat(registry.get("fluxtrace.spans.queued").gauge().value()).isZero();
      List<String> names = registry.getMeters().stream().map(m -> m.getId().getName()).distinct().sorted().toList();
      assertThat(names).containsExactly(
          "fluxtrace.content.invalid", "fluxtrace.content.masking.failures", "fluxtrace.content.replaced",
          "fluxtrace.content.truncated", "fluxtrace.export.requests", "fluxtrace.export.retries",
          "fluxtrace.export.sent", "fluxtrace.scores.dropped", "fluxtrace.scores.enqueued",
          "fluxtrace.scores.exported", "fluxtrace.scores.failed", "fluxtrace.scores.queued",
          "fluxtrace.scores.recorded", "fluxtrace.scores.retries", "fluxtrace.spans.dropped",
          "fluxtrace.spans.ended", "fluxtrace.spans.enqueued", "fluxtrace.spans.exported", "fluxtrace.spans.failed",
          "fluxtrace.spans.held", "fluxtrace.spans.mutations.after.end", "fluxtrace.spans.queued",
          "fluxtrace.spans.queued.size", "fluxtrace.spans.sampled.out", "fluxtrace.spans.started");
      // Low cardinality: the only tags are bounded enums.
      assertThat(registry.getMeters()).allSatisfy((Meter m) -> assertThat(m.getId().getTags())
          .allSatisfy(tag -> assertThat(tag.getKey()).isIn("reason", "cause")));
      // 21 untagged meters; failed by each of 8 reasons (spans, scores); dropped by 2 causes (spans), 4 (scores).
      assertThat(registry.getMeters()).hasSize(21 + 8 + 8 + 2 + 4);
      assertThat(registry.find("fluxtrace.export.sent").functionCounter()).extracting(FunctionCounter::getId)
          .extracting(id -> id.getBaseUnit()).isEqualTo("bytes");
    });
  }

  @Test
  void badConfigurationFailsStartupNamingTheProperty() {
    assertStartupFails("fluxtrace.flush-at=-1", "fluxtrace.flush-at");
    assertStartupFails("fluxtrace.base-url=not a url", "fluxtrace.base-url");
    assertStartupFails("fluxtrace.base-url=ftp://example.com", "fluxtrace.base-url");
    assertStartupFails("fluxtrace.sample-rate=1.5", "fluxtrace.sample-rate");
    assertStartupFails("LANGFUSE_FLUSH_AT=many", "LANGFUSE_FLUSH_AT");
    // A key of the wrong shape: the secret key where the public key belongs. The key itself is never repeated.
    runner.withPropertyValues("fluxtrace.public-key=" + SK, "fluxtrace.secret-key=" + SK).run(context -> {
      assertThat(context).hasFailed();
      assertThat(fullMessage(context.getStartupFailure())).contains("fluxtrace.public-key").doesNotContain(SK);
    });
  }

  @Test
  void mediaPropertiesConfigureTheMediaUploadAndABadOneIsNamed() {
    runner.withPropertyValues("fluxtrace.public-key=" + PK, "fluxtrace.secret-key=" + SK,
            "fluxtrace.base-url=" + receiver.baseUrl(), "fluxtrace.media.max-queued=7",
            "fluxtrace.media.max-queued-bytes=2097152")
        .run(context -> {
          MediaSettings media = TracerAccess.config(context.getBean(FluxTracer.class)).media();
          assertThat(media.enabled()).isTrue();
          assertThat(media.maxQueued()).isEqualTo(7);
          assertThat(media.maxQueuedBytes()).isEqualTo(2_097_152);
        });
    runner.withPropertyValues("fluxtrace.public-key=" + PK, "fluxtrace.secret-key=" + SK,
            "fluxtrace.base-url=" + receiver.baseUrl(), "fluxtrace.media.enabled=false")
        .run(context -> assertThat(TracerAccess.config(context.getBean(FluxTracer.class)).media().enabled()).isFalse());
    runner.withPropertyValues("LANGFUSE_PUBLIC_KEY=" + PK, "LANGFUSE_SECRET_KEY=" + SK,
            "LANGFUSE_BASE_URL=" + receiver.baseUrl(), "LANGFUSE_MEDIA_UPLOAD_ENABLED=false")
        .run(context -> assertThat(TracerAccess.config(context.getBean(FluxTracer.class)).media().enabled()).isFalse());
    assertStartupFails("fluxtrace.media.max-queued-bytes=10", "fluxtrace.media.max-queued-bytes");
  }

  private void assertStartupFails(String property, String named) {
    runner.withPropertyValues(property).run(context -> {
      assertThat(context).hasFailed();
      assertThat(fullMessage(context.getStartupFailure())).contains(named);
      // Spring Boot's startup report says the same.
      FailureAnalysis analysis = new InvalidConfigurationFailureAnalyzer()
          .analyze(Objects.requireNonNull(context.getStartupFailure()));
      assertThat(analysis).isNotNull();
      assertThat(Objects.requireNonNull(analysis).getDescription()).startsWith("Invalid fluxtrace configuration")
          .contains(named);
    });
  }

  private static String fullMessage(@Nullable Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      text.append(t.getMessage()).append('\n');
    }
    return text.toString();
  }

  @Test
  void closingTheContextDeliversWhatWasTracedAndLogsTheResult() {
    try (LogCapture logs = LogCapture.install()) {
      runner.withPropertyValues("fluxtrace.public-key=" + PK, "fluxtrace.secret-key=" + SK,
              "fluxtrace.base-url=" + receiver.baseUrl(), "fluxtrace.flush-interval=1h")
          .run(context -> {
            FluxTracer tracer = context.getBean(FluxTracer.class);
            for (int i = 0; i < 3; i++) {
              tracer.startSpan("s" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
            }
            assertThat(receiver.requestCount()).as("nothing before close: the interval is an hour").isZero();
          });
      // The runner closed the context: the lifecycle bean flushed the three spans.
      await().atMost(Duration.ofSeconds(10)).until(() -> receiver.requests().stream()
          .mapToInt(r -> OtlpJson.spans(r.traces()).size()).sum() == 3);
      assertThat(logs.matching("INFO", "fluxtrace: closed: completed: spans exported 3")).hasSize(1);
      assertThat(logs.text()).doesNotContain(SK);
    }
  }

  @Test
  void theLifecyclePhaseIsAfterTheWebServerAndBeforeReactorNettysResources() {
    int webServerStop = SmartLifecycle.DEFAULT_PHASE - 2048;
    int reactorResources = 0;
    assertThat(FluxtraceLifecycle.PHASE).isLessThan(webServerStop).isGreaterThan(reactorResources);
  }
}
