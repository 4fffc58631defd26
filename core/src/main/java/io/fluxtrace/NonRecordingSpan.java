package io.fluxtrace;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A span that records nothing: the trace is sampled out or tracing is disabled. It still has a context, so that
 * the children of a sampled-out span are sampled out too without deciding again. The root of a new trace that is
 * sampled out makes its ids only when its context is asked for (to propagate it to another process): the traced
 * operators learn from {@link #isRecording()} alone that its children do not record, so a sampled-out request
 * formats no ids and validates nothing.
 */
final class NonRecordingSpan implements Span {

  /** Stands for every span when tracing is disabled. */
  static final NonRecordingSpan DISABLED =
      new NonRecordingSpan(new SpanContext("00000000000000000000000000000001", "0000000000000001", false, false));

  private static final HexFormat HEX = HexFormat.of();

  /** Built when first asked for; immutable, so a racy first use at most builds two equal ones. */
  private @Nullable SpanContext context;
  private final long traceIdHigh;
  private final long traceIdLow;

  /** A span with this context. */
  NonRecordingSpan(SpanContext context) {
    this.context = context;
    this.traceIdHigh = 0;
    this.traceIdLow = 0;
  }

  /**
   * The root of a new trace that is sampled out, with the trace id of these two halves (not both zero) and a span
   * id drawn when the context is first asked for.
   */
  NonRecordingSpan(long traceIdHigh, long traceIdLow) {
    this.traceIdHigh = traceIdHigh;
    this.traceIdLow = traceIdLow;
  }

  @Override
  public SpanContext context() {
    SpanContext c = context;
    if (c == null) {
      c = new SpanContext(HEX.toHexDigits(traceIdHigh) + HEX.toHexDigits(traceIdLow), TraceIds.newSpanId(), false,
          false);
      context = c;
    }
    return c;
  }

  @Override
  public boolean isRecording() {
    return false;
  }

  @Override
  public boolean isEnded() {
    return false;
  }

  @Override
  public Span input(@Nullable Object input) {
    return this;
  }

  @Override
  public Span output(@Nullable Object output) {
    return this;
  }

  @Override
  public Span metadata(String key, @Nullable Object value) {
    return this;
  }

  @Override
  public Span level(ObservationLevel level) {
    return this;
  }

  @Override
  public Span statusMessage(@Nullable String message) {
    return this;
  }

  @Override
  public Span model(@Nullable String model) {
    return this;
  }

  @Override
  public Span modelParameter(String name, @Nullable Object value) {
    return this;
  }

  @Override
  public Span modelParameters(Map<String, ?> parameters) {
    return this;
  }

  @Override
  public Span usage(String kind, long value) {
    return this;
  }

  @Override
  public Span usageDetails(Map<String, ? extends @Nullable Number> usage) {
    return this;
  }

  @Override
  public Span cost(String kind, double usd) {
    return this;
  }

  @Override
  public Span costDetails(Map<String, ? extends @Nullable Number> cost) {
    return this;
  }

  @Override
  public Span completionStart() {
    return this;
  }

  @Override
  public Span completionStart(long epochNanos) {
    return this;
  }

  @Override
  public Span prompt(String name, int version) {
    return this;
  }

  @Override
  public Span version(@Nullable String version) {
    return this;
  }

  @Override
  public Span traceInput(@Nullable Object input) {
    return this;
  }

  @Override
  public Span traceOutput(@Nullable Object output) {
    return this;
  }

  @Override
  public Span provider(@Nullable String provider) {
    return this;
  }

  @Override
  public Span toolDefinitions(List<ToolDefinition> tools) {
    return this;
  }

  @Override
  public Span toolCalls(List<ToolCall> calls) {
    return this;
  }

  @Override
  public void end() {}

  @Override
  public void endWithError(Throwable error) {}

  @Override
  public void endCancelled() {}

  @Override
  public String toString() {
    return "NonRecordingSpan{trace=" + context().traceId() + '}';
  }
}
