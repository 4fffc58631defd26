package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceIds;
import org.jspecify.annotations.Nullable;

/** Remote parents from another tracer's ids, free of that tracer's classes. */
final class RemoteParents {

  private RemoteParents() {}

  /** The parent, or null for ids that are missing or invalid; 64-bit trace ids (Brave's option) are left-padded. */
  static @Nullable SpanContext of(@Nullable String traceId, @Nullable String spanId, boolean sampled) {
    if (traceId == null || spanId == null) {
      return null;
    }
    String id = traceId.length() == 16 ? "0000000000000000" + traceId : traceId;
    if (!TraceIds.isValidTraceId(id) || !TraceIds.isValidSpanId(spanId)) {
      return null;
    }
    return SpanContext.remote(id, spanId, sampled);
  }
}
