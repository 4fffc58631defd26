package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.SpanContext;
import io.fluxtrace.spring.boot.TraceJoin;
import io.micrometer.observation.Observation;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.handler.TracingObservationHandler;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * Micrometer Tracing's current span (OpenTelemetry or Brave bridge): Spring WebFlux keeps the request's server
 * observation in the Reactor Context under {@value #OBSERVATION_KEY}, and Micrometer Tracing's handler keeps the
 * span of an observation in its {@link TracingObservationHandler.TracingContext}. Read from the Context only: no
 * ThreadLocal, no hook, whether or not automatic context propagation is on.
 */
public final class MicrometerTraceJoin implements TraceJoin {

  /** {@code ObservationThreadLocalAccessor.KEY}, spelled out so that context-propagation need not be present. */
  static final String OBSERVATION_KEY = "micrometer.observation";

  @Override
  public @Nullable SpanContext find(ContextView context) {
    Object value = context.getOrDefault(OBSERVATION_KEY, null);
    if (!(value instanceof Observation observation) || observation.isNoop()) {
      return null;
    }
    TracingObservationHandler.TracingContext tracing =
        observation.getContextView().get(TracingObservationHandler.TracingContext.class);
    if (tracing == null) {
      return null;
    }
    Span span = tracing.getSpan();
    if (span == null || span.isNoop()) {
      return null;
    }
    TraceContext ids = span.context();
    Boolean sampled = ids.sampled();
    return RemoteParents.of(ids.traceId(), ids.spanId(), sampled != null && sampled);
  }
}
