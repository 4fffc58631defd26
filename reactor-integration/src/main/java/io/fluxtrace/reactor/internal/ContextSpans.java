package io.fluxtrace.reactor.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.span.SpanStarts;
import org.jspecify.annotations.Nullable;
import reactor.util.context.ContextView;

/**
 * Where fluxtrace keeps its state in the Reactor Context, and how a new span finds its parent there. The current
 * span lives only in the Context of a subscription, never in thread state: that is what keeps concurrent requests
 * apart however Reactor moves them between threads.
 *
 * <p>Internal: no compatibility promise.
 */
public final class ContextSpans {

  /** The current local span ({@link Span}), written upstream by every traced operator. */
  public static final Object SPAN = new Key("fluxtrace.span");
  /** The parent from an incoming {@code traceparent} ({@link SpanContext}); a local span takes precedence. */
  public static final Object REMOTE_PARENT = new Key("fluxtrace.remoteParent");
  /** The request's trace-wide attributes ({@link TraceAttributes}), merged by nested {@code contextWrite}s. */
  public static final Object ATTRIBUTES = new Key("fluxtrace.attributes");
  /** The id a new trace started here takes ({@link String}), instead of a random one; a parent takes precedence. */
  public static final Object TRACE_ID = new Key("fluxtrace.traceId");

  private ContextSpans() {}

  /** The current local span, or null outside every traced step. */
  public static @Nullable Span span(ContextView context) {
    return context.getOrDefault(SPAN, null);
  }

  /** The parent a new span gets here: the current local span, else the remote parent, else null (a new trace). */
  public static @Nullable SpanContext parent(ContextView context) {
    Span span = span(context);
    if (span != null) {
      return span.context();
    }
    return context.getOrDefault(REMOTE_PARENT, null);
  }

  /** The request's trace-wide attributes; empty when none were written. */
  public static TraceAttributes attributes(ContextView context) {
    TraceAttributes attributes = context.getOrDefault(ATTRIBUTES, null);
    return attributes == null ? TraceAttributes.EMPTY : attributes;
  }

  /**
   * Starts the span of one subscription under the parent found in {@code context}.
   *
   * @return null when the parent's trace is not recorded (the caller then passes signals straight through: the
   *     Context already carries that decision to every step above), unless it is a remote caller's trace that tail
   *     sampling decides here; otherwise the new span, which does not record
   *     when a new trace was sampled out and must then still be written upstream so that its children agree
   */
  public static @Nullable Span start(FluxTracer tracer, String name, ObservationType type, ContextView context) {
    return start(tracer, name, type, context, null);
  }

  /**
   * {@link #start(FluxTracer, String, ObservationType, ContextView)} with {@code input} recorded on a span that
   * records, before the span is published (one lock fewer than {@code input(..)} after the start).
   */
  public static @Nullable Span start(FluxTracer tracer, String name, ObservationType type, ContextView context,
      @Nullable Object input) {
    Span current = span(context);
    if (current != null && !current.isRecording()) {
      // Sampled out or disabled, which is all a child needs to know: no need to build the parent's ids.
      return null;
    }
    SpanContext parent = current != null ? current.context() : context.getOrDefault(REMOTE_PARENT, null);
    if (parent != null && !parent.sampled() && !(parent.remote() && tracer.decidesJoinedTraces())) {
      return null;
    }
    if (parent == null) {
      String traceId = context.getOrDefault(TRACE_ID, null);
      if (traceId != null) {
        Span root = tracer.startTrace(traceId, name, type, attributes(context));
        return input == null ? root : root.input(input);
      }
    }
    return input == null ? tracer.startSpan(name, type, parent, attributes(context))
        : SpanStarts.startWithInput(tracer, name, type, parent, attributes(context), input);
  }

  /** An identity key whose name shows in {@code Context.toString()}. */
  private static final class Key {
    private final String name;

    Key(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
