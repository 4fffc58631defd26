package io.fluxtrace;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An ended span, immutable, as exporters receive it. User content (input, output, metadata) has already been
 * masked, serialized to JSON text and truncated: when the span ended for values that could still change, on the
 * export thread for immutable ones (strings, boxed primitives), so a {@code SpanData} holds no reference to
 * application objects and its size is known.
 *
 * @param traceId 32 lowercase hex characters
 * @param spanId 16 lowercase hex characters
 * @param parentSpanId the parent's span id, or null for a root span
 * @param parentRemote whether the parent lives in another process (an incoming {@code traceparent})
 * @param name the observation name, never blank
 * @param type the observation type
 * @param startEpochNanos when the span started
 * @param endEpochNanos when the span ended; equal to the start for an event
 * @param level the level: ERROR for a failure, WARNING for a cancellation unless set otherwise
 * @param statusMessage why the level is what it is, for example the exception's class and message
 * @param input the input as JSON text, or null
 * @param output the output as JSON text, or null
 * @param metadata the span metadata as a JSON object text, or null
 * @param traceAttributes the trace-wide attributes of the request
 * @param generation what was recorded about a model call, or null
 * @param version the version of this observation's logic ({@code langfuse.version}), overriding the trace's, or null
 * @param traceInput the trace input override as JSON text ({@code langfuse.trace.input}), or null
 * @param traceOutput the trace output override as JSON text ({@code langfuse.trace.output}), or null
 */
public record SpanData(
    String traceId,
    String spanId,
    @Nullable String parentSpanId,
    boolean parentRemote,
    String name,
    ObservationType type,
    long startEpochNanos,
    long endEpochNanos,
    ObservationLevel level,
    @Nullable String statusMessage,
    @Nullable String input,
    @Nullable String output,
    @Nullable String metadata,
    TraceAttributes traceAttributes,
    @Nullable GenerationData generation,
    @Nullable String version,
    @Nullable String traceInput,
    @Nullable String traceOutput) {

  /** An ended span without an observation version or trace input/output override. */
  public SpanData(String traceId, String spanId, @Nullable String parentSpanId, boolean parentRemote, String name,
      ObservationType type, long startEpochNanos, long endEpochNanos, ObservationLevel level,
      @Nullable String statusMessage, @Nullable String input, @Nullable String output, @Nullable String metadata,
      TraceAttributes traceAttributes, @Nullable GenerationData generation) {
    this(traceId, spanId, parentSpanId, parentRemote, name, type, startEpochNanos, endEpochNanos, level,
        statusMessage, input, output, metadata, traceAttributes, generation, null, null, null);
  }

  /** Checks the required fields. */
  public SpanData {
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(spanId, "spanId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(traceAttributes, "traceAttributes");
  }

  /** Whether this span has no parent in this process: a new trace, or the entry point of a remote one. */
  public boolean isRoot() {
    return parentSpanId == null || parentRemote;
  }

  /**
   * Whether this is the application's root under a remote parent, which Langfuse needs to know
   * ({@code langfuse.internal.is_app_root}) to treat it as the root of what this application did.
   */
  public boolean isAppRoot() {
    return parentSpanId != null && parentRemote;
  }

  /** The span's duration in nanoseconds. */
  public long durationNanos() {
    return endEpochNanos - startEpochNanos;
  }
}
