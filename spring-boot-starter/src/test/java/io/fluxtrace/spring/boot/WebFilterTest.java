package io.fluxtrace.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.reactor.internal.ContextSpans;
import io.fluxtrace.spring.boot.internal.FluxtraceWebFilter;
import io.fluxtrace.spring.boot.internal.OpenTelemetryTraceJoin;
import io.fluxtrace.internal.config.TraceLinks;
import io.fluxtrace.testing.LogCapture;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/** What the auto-configured filter writes into the handler's Reactor Context, for each source and option. */
class WebFilterTest {

  private final FluxTracer tracer =
      FluxTracer.builder(Map.of()).exporter(InMemorySpanExporter.create()).shutdownHook(false).build();
  private final FluxtraceProperties properties = new FluxtraceProperties();
  private final AtomicReference<@Nullable ContextView> seen = new AtomicReference<>();
  private final WebFilterChain chain = exchange -> Mono.deferContextual(context -> {
    seen.set(context);
    return Mono.empty();
  });

  private ContextView run(FluxtraceWebFilter filter, ServerWebExchange exchange, Context outer) {
    filter.filter(exchange, chain).contextWrite(outer).block(Duration.ofSeconds(10));
    return Objects.requireNonNull(seen.get());
  }

  private FluxtraceWebFilter filter(List<TraceJoin> joins, List<RequestTraceAttributes> contributors) {
    return new FluxtraceWebFilter(tracer, properties, joins, contributors, null);
  }

  @Test
  void userSessionAndTraceparentFromTheConfiguredHeaders() {
    properties.getWeb().setUserIdHeader("x-end-user");
    String traceId = TraceIds.newTraceId();
    String spanId = TraceIds.newSpanId();
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")
        .header("x-end-user", "alice").header("x-session-id", "s-1")
        .header("traceparent", "00-" + traceId + "-" + spanId + "-01"));

    ContextView context = run(filter(List.of(), List.of()), exchange, Context.empty());

    TraceAttributes attributes = ContextSpans.attributes(context);
    assertThat(attributes.userId()).isEqualTo("alice");
    assertThat(attributes.sessionId()).isEqualTo("s-1");
    assertThat(ContextSpans.parent(context)).isEqualTo(SpanContext.remote(traceId, spanId, true));
  }

  @Test
  void missingOrBlankHeadersSetNothing() {
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")
        .header("x-user-id", " ").header("traceparent", "not-a-traceparent"));

    ContextView context = run(filter(List.of(), List.of()), exchange, Context.empty());

    assertThat(ContextSpans.attributes(context).userId()).isNull();
    assertThat(ContextSpans.parent(context)).isNull();
  }

  @Test
  void contributorsAddAttributesInOrderAndAFailingOneIsSkipped() {
    RequestTraceAttributes tags = exchange -> Mono.just(TraceAttributes.builder().tags("web").release("r1").build());
    RequestTraceAttributes failing = exchange -> Mono.error(new IllegalStateException("boom"));
    RequestTraceAttributes throwing = exchange -> {
      throw new IllegalStateException("thrown");
    };
    RequestTraceAttributes release = exchange -> Mono.just(TraceAttributes.builder().release("r2").build());
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")
        .header("x-user-id", "bob"));

    try (LogCapture logs = LogCapture.install()) {
      ContextView context = run(filter(List.of(), List.of(tags, failing, throwing, release)), exchange,
          Context.empty());
      TraceAttributes attributes = ContextSpans.attributes(context);
      assertThat(attributes.userId()).isEqualTo("bob");
      assertThat(attributes.tags()).containsExactly("web");
      assertThat(attributes.release()).isEqualTo("r2");
      assertThat(logs.count("WARN", "ignoring")).isEqualTo(1);
    }
  }

  @Test
  void thePrincipalIsTheUserWhenAskedAndNoHeaderSaysOtherwise() {
    properties.getWeb().setUserIdFromPrincipal(true);
    ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")).mutate()
        .principal(Mono.just(() -> "carol")).build();
    assertThat(ContextSpans.attributes(run(filter(List.of(), List.of()), exchange, Context.empty())).userId())
        .isEqualTo("carol");

    ServerWebExchange withHeader = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")
        .header("x-user-id", "dave")).mutate().principal(Mono.just(() -> "carol")).build();
    assertThat(ContextSpans.attributes(run(filter(List.of(), List.of()), withHeader, Context.empty())).userId())
        .isEqualTo("dave");
  }

  @Test
  void theApplicationsOpenTelemetrySpanWinsOverTheCallersTraceparent() {
    String traceId = TraceIds.newTraceId();
    String spanId = TraceIds.newSpanId();
    io.opentelemetry.context.Context otel = io.opentelemetry.context.Context.root().with(Span.wrap(
        io.opentelemetry.api.trace.SpanContext.create(traceId, spanId, TraceFlags.getDefault(),
            TraceState.getDefault())));
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")
        .header("traceparent", "00-" + TraceIds.newTraceId() + "-" + TraceIds.newSpanId() + "-01"));
    Context outer = Context.of("any-key", otel);

    SpanContext parent = ContextSpans.parent(run(filter(List.of(new OpenTelemetryTraceJoin()), List.of()), exchange,
        outer));
    // Not sampled by the application's tracer, but recorded: fluxtrace decides with its own sample rate.
    assertThat(parent).isEqualTo(SpanContext.remote(traceId, spanId, true));

    properties.getTraceJoin().setHonourSampledFlag(true);
    assertThat(ContextSpans.parent(run(filter(List.of(new OpenTelemetryTraceJoin()), List.of()), exchange, outer)))
        .isEqualTo(SpanContext.remote(traceId, spanId, false));

    properties.getTraceJoin().setEnabled(false);
    assertThat(ContextSpans.parent(run(filter(List.of(new OpenTelemetryTraceJoin()), List.of()), exchange, outer)))
        .as("join off: the caller's traceparent").isNotNull()
        .extracting(SpanContext::traceId).isNotEqualTo(traceId);
  }

  @Test
  void theTraceLinkIsLoggedOncePerJoinedRequestWhenAsked() {
    properties.getTraceUrl().setLog(true);
    String traceId = TraceIds.newTraceId();
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")
        .header("traceparent", "00-" + traceId + "-" + TraceIds.newSpanId() + "-01"));
    try (LogCapture logs = LogCapture.install()) {
      FluxtraceWebFilter filter = new FluxtraceWebFilter(tracer, properties, List.of(), List.of(),
          new TraceLinks("https://cloud.langfuse.com", null));
      run(filter, exchange, Context.empty());
      assertThat(logs.matching("INFO", "https://cloud.langfuse.com/trace/" + traceId)).singleElement()
          .satisfies(e -> assertThat(e.logger()).isEqualTo("io.fluxtrace.spring.boot.TraceUrl"));
      assertThat(new TraceLinks("https://cloud.langfuse.com", "p1").traceUrl(traceId))
          .isEqualTo("https://cloud.langfuse.com/project/p1/traces/" + traceId);
    }
  }

  @Test
  void aDisabledTracerPassesTheRequestThroughUntouched() {
    FluxtraceWebFilter off = new FluxtraceWebFilter(FluxTracer.disabled(), properties, List.of(), List.of(), null);
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/chat")
        .header("x-user-id", "erin"));
    assertThat(ContextSpans.attributes(run(off, exchange, Context.empty())).isEmpty()).isTrue();
  }
}
