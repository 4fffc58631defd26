package io.fluxtrace.examples.backend;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A span as an OTLP/HTTP backend received it: the OTLP fields and the attributes, decoded.
 *
 * @param traceId 32 lowercase hex digits
 * @param spanId 16 lowercase hex digits
 * @param parentSpanId the parent's id, or null for the root of a trace
 * @param name the observation name
 * @param startEpochNanos the start, in nanoseconds since the epoch
 * @param endEpochNanos the end, in nanoseconds since the epoch
 * @param attributes the attributes: strings, longs, doubles, booleans or lists of them
 */
public record ReceivedSpan(
    String traceId,
    String spanId,
    @Nullable String parentSpanId,
    String name,
    long startEpochNanos,
    long endEpochNanos,
    Map<String, Object> attributes) {

  /** Copies the attributes. */
  public ReceivedSpan {
    attributes = Map.copyOf(attributes);
  }

  /** The Langfuse observation type ({@code langfuse.observation.type}), {@code span} if absent. */
  public String type() {
    String type = text("langfuse.observation.type");
    return type != null ? type : "span";
  }

  /** The Langfuse level ({@code langfuse.observation.level}), {@code DEFAULT} if absent. */
  public String level() {
    String level = text("langfuse.observation.level");
    return level != null ? level : "DEFAULT";
  }

  /** The user of the trace ({@code langfuse.user.id}), or null. */
  public @Nullable String userId() {
    return text("langfuse.user.id");
  }

  /** The session of the trace ({@code langfuse.session.id}), or null. */
  public @Nullable String sessionId() {
    return text("langfuse.session.id");
  }

  /** Whether this span is its application's root in a trace that began elsewhere (an incoming traceparent). */
  public boolean isAppRoot() {
    return Boolean.TRUE.equals(attributes.get("langfuse.internal.is_app_root"));
  }

  /** The duration in milliseconds. */
  public long durationMillis() {
    return (endEpochNanos - startEpochNanos) / 1_000_000;
  }

  /** A string attribute, or null. */
  public @Nullable String text(String key) {
    return attributes.get(key) instanceof String s ? s : null;
  }
}
