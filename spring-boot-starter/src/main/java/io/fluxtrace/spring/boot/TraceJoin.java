package io.fluxtrace.spring.boot;

import io.fluxtrace.SpanContext;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * Finds the application's own current span in a request's Reactor Context, so that fluxtrace's root span becomes
 * its child (same trace id, so log lines and the Langfuse trace share one id). The starter provides one for
 * Micrometer Tracing and one for the OpenTelemetry API; an application with another tracer adds a bean. The first
 * bean, in {@code @Order}, that finds a span wins; the request's {@code traceparent} header is the fallback.
 */
@FunctionalInterface
public interface TraceJoin {

  /**
   * The current span of the application's tracer in {@code context}, as a remote parent
   * ({@link SpanContext#remote}), or null when there is none. Called once per request; must not block or throw.
   */
  @Nullable SpanContext find(ContextView context);
}
