package io.fluxtrace;

/**
 * The identity of a span as its children and remote callees see it.
 *
 * @param traceId 32 lowercase hex characters
 * @param spanId 16 lowercase hex characters
 * @param remote whether the span lives in another process (it came from an incoming {@code traceparent})
 * @param sampled whether the trace is recorded and exported; decided once per trace
 */
public record SpanContext(String traceId, String spanId, boolean remote, boolean sampled) {

  /** Validates the ids. */
  public SpanContext {
    if (!TraceIds.isValidTraceId(traceId)) {
      throw new IllegalArgumentException("traceId must be 32 lowercase hex characters, not all zero: " + traceId);
    }
    if (!TraceIds.isValidSpanId(spanId)) {
      throw new IllegalArgumentException("spanId must be 16 lowercase hex characters, not all zero: " + spanId);
    }
  }

  /** A context for a span in another process, as parsed from an incoming W3C {@code traceparent}. */
  public static SpanContext remote(String traceId, String spanId, boolean sampled) {
    return new SpanContext(traceId, spanId, true, sampled);
  }
}
