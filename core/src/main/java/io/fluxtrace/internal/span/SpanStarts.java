package io.fluxtrace.internal.span;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import org.jspecify.annotations.Nullable;

/**
 * Lets fluxtrace's traced operators start a span with its input already recorded, without a public method on
 * {@link FluxTracer}: the input is then written before the span is published (to the open-span registry, to the
 * operator's subscriber), so it needs no lock, where {@code startSpan(..)} followed by {@code input(..)} takes the
 * span's lock once more. {@link FluxTracer} installs the starter when its class initializes, so it is there for
 * every tracer that exists.
 *
 * <p>Internal: no compatibility promise.
 */
public final class SpanStarts {

  /** How the tracer starts a span with an input. */
  public interface Starter {
    /** As {@link FluxTracer#startSpan} followed by {@link Span#input}, on a span that records. */
    Span start(FluxTracer tracer, String name, ObservationType type, @Nullable SpanContext parent,
        TraceAttributes attributes, Object input);
  }

  private static volatile @Nullable Starter starter;

  private SpanStarts() {}

  /** Called once, by {@link FluxTracer}'s class initializer; later calls are ignored. */
  public static synchronized void install(Starter start) {
    if (starter == null) {
      starter = start;
    }
  }

  /**
   * Starts a span as {@link FluxTracer#startSpan} does and records {@code input} on it (ignored when the span does
   * not record).
   */
  public static Span startWithInput(FluxTracer tracer, String name, ObservationType type,
      @Nullable SpanContext parent, TraceAttributes attributes, Object input) {
    Starter s = starter;
    if (s == null) {
      // Not reachable once a tracer exists (its class initializer installed the starter); the two-step equivalent.
      return tracer.startSpan(name, type, parent, attributes).input(input);
    }
    return s.start(tracer, name, type, parent, attributes, input);
  }
}
