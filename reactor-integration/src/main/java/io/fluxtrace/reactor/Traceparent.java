package io.fluxtrace.reactor;

import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceIds;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The W3C Trace Context {@code traceparent} header: {@code version-traceid-parentid-flags}, for example
 * {@code 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01}.
 *
 * <p>Parsing is strict, as the specification asks: lowercase hex only, ids not all zeros, version {@code ff}
 * rejected, exactly 55 characters for version {@code 00}. A header that is not valid is ignored (the request starts
 * a new trace) rather than half-trusted.
 */
public final class Traceparent {

  /** The header name. */
  public static final String HEADER = "traceparent";

  private static final int LENGTH = 55;
  private static final int TRACE_ID_START = 3;
  private static final int SPAN_ID_START = TRACE_ID_START + TraceIds.TRACE_ID_LENGTH + 1;
  private static final int FLAGS_START = SPAN_ID_START + TraceIds.SPAN_ID_LENGTH + 1;

  private Traceparent() {}

  /**
   * The remote parent a valid header describes; empty for null, empty or invalid headers. Leading and trailing
   * spaces and tabs (HTTP optional whitespace) are ignored. The sampled flag is kept: a caller that did not sample
   * the trace is honoured, as W3C parent-based sampling expects, so the trace is kept or dropped whole.
   */
  public static Optional<SpanContext> parse(@Nullable CharSequence header) {
    if (header == null) {
      return Optional.empty();
    }
    String value = trimOptionalWhitespace(header.toString());
    if (value.length() < LENGTH
        || value.charAt(2) != '-'
        || value.charAt(SPAN_ID_START - 1) != '-'
        || value.charAt(FLAGS_START - 1) != '-'
        || !isLowerHex(value, 0, 2)
        || !isLowerHex(value, FLAGS_START, LENGTH)) {
      return Optional.empty();
    }
    String version = value.substring(0, 2);
    if (version.equals("ff")) {
      return Optional.empty();
    }
    // Version 00 has exactly four fields. A later version may append fields after a dash; its first four keep
    // their meaning, so they are read the same way.
    if (version.equals("00") ? value.length() != LENGTH : value.length() > LENGTH && value.charAt(LENGTH) != '-') {
      return Optional.empty();
    }
    String traceId = value.substring(TRACE_ID_START, SPAN_ID_START - 1);
    String spanId = value.substring(SPAN_ID_START, FLAGS_START - 1);
    if (!TraceIds.isValidTraceId(traceId) || !TraceIds.isValidSpanId(spanId)) {
      return Optional.empty();
    }
    int flags = Integer.parseInt(value, FLAGS_START, LENGTH, 16);
    return Optional.of(SpanContext.remote(traceId, spanId, (flags & 1) != 0));
  }

  /** The version-00 header that makes {@code context} the parent of a remote callee. */
  public static String format(SpanContext context) {
    Objects.requireNonNull(context, "context");
    return "00-" + context.traceId() + '-' + context.spanId() + (context.sampled() ? "-01" : "-00");
  }

  private static String trimOptionalWhitespace(String value) {
    int start = 0;
    int end = value.length();
    while (start < end && isOptionalWhitespace(value.charAt(start))) {
      start++;
    }
    while (end > start && isOptionalWhitespace(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean isOptionalWhitespace(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean isLowerHex(String value, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = value.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
