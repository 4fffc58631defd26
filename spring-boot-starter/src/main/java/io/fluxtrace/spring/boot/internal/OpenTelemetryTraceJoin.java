package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.SpanContext;
import io.fluxtrace.spring.boot.TraceJoin;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * An OpenTelemetry API span in the Reactor Context: an {@link Context OpenTelemetry Context} stored as a value, as
 * OpenTelemetry's Reactor instrumentation and hand-written propagation do (under keys that differ between
 * versions, hence found by type). Read from the Reactor Context only, never from {@code Context.current()}.
 */
public final class OpenTelemetryTraceJoin implements TraceJoin {

  @Override
  public @Nullable SpanContext find(ContextView context) {
    Optional<Context> otel = context.stream()
        .map(Map.Entry::getValue)
        .filter(Context.class::isInstance)
        .map(Context.class::cast)
        .findFirst();
    if (otel.isEmpty()) {
      return null;
    }
    Span span = Span.fromContextOrNull(otel.get());
    if (span == null || !span.getSpanContext().isValid()) {
      return null;
    }
    io.opentelemetry.api.trace.SpanContext ids = span.getSpanContext();
    return RemoteParents.of(ids.getTraceId(), ids.getSpanId(), ids.isSampled());
  }
}
