package io.fluxtrace.reactor;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.reactor.internal.ContextSpans;
import io.fluxtrace.reactor.internal.SpanSetup;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * A point-in-time event, recorded under the current span of the Context it is recorded in (or as the root of a new
 * trace outside every traced step):
 *
 * <pre>{@code
 * .flatMap(hit -> tracing.event("cache-hit").input(key).record().thenReturn(hit))
 * }</pre>
 *
 * <p>Immutable and thread-safe: each setter returns a new event description, which can be recorded any number of
 * times. Nothing is recorded when tracing is disabled or the trace is sampled out; the input supplier is then not
 * called either.
 */
public final class TracedEvent {

  private final ReactorTracing tracing;
  private final String name;
  private final SpanSetup setup;

  private TracedEvent(ReactorTracing tracing, String name, SpanSetup setup) {
    this.tracing = tracing;
    this.name = name;
    this.setup = setup;
  }

  static TracedEvent of(ReactorTracing tracing, String name) {
    return new TracedEvent(tracing, name, SpanSetup.EMPTY);
  }

  private TracedEvent with(SpanSetup newSetup) {
    return new TracedEvent(tracing, name, newSetup);
  }

  /** The event's input. */
  public TracedEvent input(@Nullable Object input) {
    return with(setup.withInput(input));
  }

  /** The event's input, computed only when the event is recorded; null records no input. */
  public TracedEvent input(@Nullable Supplier<?> input) {
    return with(input == null ? setup.withInput(null) : setup.withInputSupplier(input));
  }

  /** The event's output. */
  public TracedEvent output(@Nullable Object output) {
    return with(setup.withOutput(output));
  }

  /** One metadata entry; a null value removes it. */
  public TracedEvent metadata(String key, @Nullable Object value) {
    return with(setup.withMetadata(key, value));
  }

  /** The level, such as WARNING for an event worth a look. */
  public TracedEvent level(ObservationLevel level) {
    return with(setup.withLevel(level));
  }

  /** Why the level is what it is. */
  public TracedEvent statusMessage(@Nullable String message) {
    return with(setup.withStatusMessage(message));
  }

  /** Records the event, at subscription time, under the current span of the subscriber's Context. */
  public Mono<Void> record() {
    if (!tracing.tracer().isEnabled()) {
      return Mono.empty();
    }
    return Mono.deferContextual(context -> {
      record(context);
      return Mono.empty();
    });
  }

  /**
   * Records the event now under the current span of {@code context}: for code that already holds a ContextView,
   * such as {@code handle((value, sink) -> ...)} with {@code sink.contextView()}. Never throws.
   */
  public void record(ContextView context) {
    if (!tracing.tracer().isEnabled()) {
      return;
    }
    try {
      Span span = ContextSpans.start(tracing.tracer(), name, ObservationType.EVENT, context);
      if (span == null || !span.isRecording()) {
        return;
      }
      setup.applyTo(span, name, tracing.functions());
      span.end();
    } catch (Throwable t) {
      tracing.functions().failed("recording of the event", name, t);
    }
  }

  @Override
  public String toString() {
    return "TracedEvent{'" + name + "'}";
  }
}
