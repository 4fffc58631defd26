package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.config.TraceLinks;
import io.fluxtrace.reactor.TraceContext;
import io.fluxtrace.reactor.Traceparent;
import io.fluxtrace.spring.boot.FluxtraceProperties;
import io.fluxtrace.spring.boot.RequestTraceAttributes;
import io.fluxtrace.spring.boot.TraceJoin;
import java.security.Principal;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.context.Context;

/**
 * Writes each request's trace state into the Reactor Context of everything after it in the filter chain (the
 * handler included): the user and session from configurable headers, the attributes of the
 * {@link RequestTraceAttributes} beans, and the parent of the request's root span: the application's own current
 * span ({@link TraceJoin}, such as Micrometer Tracing's server span), else the caller's {@code traceparent}.
 *
 * <p>Nothing here touches thread state or installs a hook; a failing contributor or join is logged (rate-limited)
 * and skipped, never failing the request.
 */
public final class FluxtraceWebFilter implements WebFilter, Ordered {

  private final Logger log = Loggers.getLogger(FluxtraceWebFilter.class);
  private final Logger traceUrlLog = Loggers.getLogger("io.fluxtrace.spring.boot.TraceUrl");
  private static final long WARN_EVERY = 1000;

  private final FluxTracer tracer;
  private final FluxtraceProperties.Web web;
  private final FluxtraceProperties.TraceJoin join;
  private final List<TraceJoin> joins;
  private final List<RequestTraceAttributes> contributors;
  private final @Nullable TraceLinks links;
  private final AtomicLong failures = new AtomicLong();

  public FluxtraceWebFilter(FluxTracer tracer, FluxtraceProperties properties, List<TraceJoin> joins,
      List<RequestTraceAttributes> contributors, @Nullable TraceLinks links) {
    this.tracer = tracer;
    this.web = properties.getWeb();
    this.join = properties.getTraceJoin();
    this.joins = join.isEnabled() ? List.copyOf(joins) : List.of();
    this.contributors = List.copyOf(contributors);
    this.links = properties.getTraceUrl().isLog() ? links : null;
  }

  @Override
  public int getOrder() {
    return web.getOrder();
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!tracer.isEnabled()) {
      return chain.filter(exchange);
    }
    HttpHeaders headers = exchange.getRequest().getHeaders();
    TraceAttributes fromHeaders = TraceAttributes.builder()
        .userId(present(headers.getFirst(web.getUserIdHeader())))
        .sessionId(present(headers.getFirst(web.getSessionIdHeader())))
        .build();
    String traceparent = headers.getFirst(web.getTraceparentHeader());
    if (contributors.isEmpty() && !web.isUserIdFromPrincipal()) {
      return traced(exchange, chain, fromHeaders, traceparent);
    }
    Mono<TraceAttributes> principal = web.isUserIdFromPrincipal() && fromHeaders.userId() == null
        ? exchange.getPrincipal()
            .map(Principal::getName)
            .map(name -> TraceAttributes.builder().userId(name).build())
            .onErrorResume(e -> skip("the principal", e))
        : Mono.empty();
    return Flux.fromIterable(contributors)
        .concatMap(c -> contribute(c, exchange))
        .startWith(principal)
        .reduce(fromHeaders, TraceAttributes::mergedWith)
        .flatMap(attributes -> traced(exchange, chain, attributes, traceparent));
  }

  private Mono<TraceAttributes> contribute(RequestTraceAttributes contributor, ServerWebExchange exchange) {
    Mono<TraceAttributes> attributes;
    try {
      attributes = contributor.attributes(exchange);
    } catch (RuntimeException e) {
      return skip(contributor.getClass().getName(), e);
    }
    return attributes == null ? Mono.empty() : attributes.onErrorResume(e -> skip(contributor.getClass().getName(), e));
  }

  private Mono<Void> traced(ServerWebExchange exchange, WebFilterChain chain, TraceAttributes attributes,
      @Nullable String traceparent) {
    Mono<Void> handled = chain.filter(exchange);
    if (links != null) {
      TraceLinks l = links;
      // The trace id is known here only when a parent is joined; a trace started by the handler has its id there.
      handled = TraceContext.currentTraceId()
          .map(traceId -> chain.filter(exchange).doFinally(signal -> traceUrlLog.info("fluxtrace: {} {} -> {}",
              exchange.getRequest().getMethod(), exchange.getRequest().getPath().value(), l.traceUrl(traceId))))
          .defaultIfEmpty(handled)
          .flatMap(Function.identity());
    }
    return handled
        .contextWrite(context -> withParent(context, traceparent))
        .contextWrite(TraceContext.attributes(attributes));
  }

  /** The parent of the request's root: the application's own span, else the caller's traceparent, else none. */
  private Context withParent(Context context, @Nullable String traceparent) {
    SpanContext own = ownSpan(context);
    if (own != null) {
      boolean sampled = join.isHonourSampledFlag() ? own.sampled() : tracer.isSampled(own.traceId());
      return TraceContext.traceparent(Traceparent.format(SpanContext.remote(own.traceId(), own.spanId(), sampled)))
          .apply(context);
    }
    return TraceContext.traceparent(traceparent).apply(context);
  }

  private @Nullable SpanContext ownSpan(Context context) {
    for (TraceJoin j : joins) {
      try {
        SpanContext found = j.find(context);
        if (found != null) {
          return found;
        }
      } catch (RuntimeException | LinkageError e) {
        skip(j.getClass().getName(), e);
      }
    }
    return null;
  }

  private <T> Mono<T> skip(String what, Throwable e) {
    if (failures.getAndIncrement() % WARN_EVERY == 0) {
      log.warn("fluxtrace: ignoring {} for the request's trace attributes: {}", what, e.toString());
    }
    return Mono.empty();
  }

  /** Whether a header value is usable; blank headers count as missing. */
  static @Nullable String present(@Nullable String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
