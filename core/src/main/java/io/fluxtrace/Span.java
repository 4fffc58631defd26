package io.fluxtrace;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A span that is open until it is ended. Safe to use from any thread: setters record the latest value, the
 * span ends exactly once even when {@link #end()}, {@link #endWithError} and {@link #endCancelled()} race, and
 * every change after the end is ignored and counted in {@link TracerStats#mutationsAfterEnd()}, never thrown.
 *
 * <p>User content (input, output, metadata values, model parameters) is kept as the object passed in until the
 * span ends; it is then masked, serialized with the tracer's Jackson {@code ObjectMapper} and truncated to the
 * configured size. A value that cannot be serialized becomes a placeholder string, never an exception.
 *
 * <p>A span of a trace that is not recorded (tracing disabled or sampled out) accepts every call and does
 * nothing; {@link #isRecording()} tells which.
 */
public interface Span {

  /**
   * A span that records nothing and belongs to no trace, for code that needs a span where there is none (tracing
   * disabled, or outside every traced step). Its context is a placeholder: do not propagate it.
   */
  static Span noop() {
    return NonRecordingSpan.DISABLED;
  }

  /** The identity children see as their parent. */
  SpanContext context();

  /** Whether this span records anything: false when tracing is disabled or the trace is sampled out. */
  boolean isRecording();

  /** Whether the span has ended. */
  boolean isEnded();

  /** Sets the input. */
  Span input(@Nullable Object input);

  /** Sets the output. */
  Span output(@Nullable Object output);

  /** Sets one metadata entry; a null value removes it. */
  Span metadata(String key, @Nullable Object value);

  /** Sets the level. A failure sets ERROR and a cancellation WARNING unless a level was set explicitly. */
  Span level(ObservationLevel level);

  /** Sets the status message (for example why the level is WARNING). */
  Span statusMessage(@Nullable String message);

  /** Sets the model name (generations). */
  Span model(@Nullable String model);

  /** Sets one model parameter, such as {@code temperature}; a null value removes it. */
  Span modelParameter(String name, @Nullable Object value);

  /** Sets several model parameters. */
  Span modelParameters(Map<String, ?> parameters);

  /**
   * Sets one usage figure, such as {@code input}, {@code output} or {@code total} tokens. Langfuse accepts only
   * non-negative integers: a negative value is dropped and counted.
   */
  Span usage(String kind, long value);

  /** Sets several usage figures; values that are not non-negative integers are dropped and counted. */
  Span usageDetails(Map<String, ? extends @Nullable Number> usage);

  /** Sets one cost figure in USD; a negative or non-finite value is dropped and counted. */
  Span cost(String kind, double usd);

  /** Sets several cost figures in USD; negative or non-finite values are dropped and counted. */
  Span costDetails(Map<String, ? extends @Nullable Number> cost);

  /** Records now as the time the first token arrived, unless it was recorded already. */
  Span completionStart();

  /** Records when the first token arrived, in nanoseconds since the epoch. */
  Span completionStart(long epochNanos);

  /** Links the Langfuse prompt that produced this generation. Name and version always travel together. */
  Span prompt(String name, int version);

  /** Ends the span now. Only the first end of any kind counts. */
  void end();

  /**
   * Ends the span now as failed: level ERROR unless set otherwise, and a status message with the exception's
   * class and message (never its stack trace).
   */
  void endWithError(Throwable error);

  /** Ends the span now as cancelled: level WARNING unless set otherwise, and a status message saying so. */
  void endCancelled();
}
