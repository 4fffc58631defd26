package io.fluxtrace.internal.pipeline;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.util.HexIds;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An ended span on its way to export: what the span pipeline queues. Made on the thread that ended the span without
 * serializing anything immutable; its content is turned into JSON text on an export thread, where it becomes the
 * {@link io.fluxtrace.SpanData} exporters receive (see {@code SpanDataFactory}). It lives here, with the pipeline
 * that queues it and the estimator that sizes it, so that the pipeline depends on neither the span runtime nor the
 * content encoder.
 *
 * <p>Content fields hold what {@code ContentEncoder.capture} and {@code captureEntries} kept: an immutable value
 * itself, or the JSON text {@link Snapshot} of a mutable one (see {@code CapturedContent} for which is which).
 * The maps are the span's own, which nothing changes once it has ended, and the pipeline's hand-off publishes them
 * safely to the export thread.
 *
 * <p>The ids are kept as the span kept them: as numbers, written as text by {@link #traceId()} and {@link #spanId()}
 * on the export side, or as the text the span already had (a child keeps its parent's trace id text).
 *
 * @param traceIdText the trace id's text, or null: it is then {@code traceIdHigh} and {@code traceIdLow}
 * @param spanIdText the span id's text, or null: it is then {@code spanIdBits}
 * @param statusMessage the raw status message, masked at export
 * @param input the captured input, or null
 * @param output the captured output, or null
 * @param metadata the captured metadata entries, or null
 * @param traceAttributes the trace attributes as the application set them, masked at export
 * @param generation whether anything about a model call was recorded: the span then carries generation data
 * @param modelParameters the captured model parameters, or null
 * @param usage the span's usage map (checked values), or null
 * @param cost the span's cost map (checked values), or null
 * @param completionStartEpochNanos when the first token arrived, or 0
 * @param provider the model provider, or null
 * @param version the observation's own version, or null
 * @param traceInput the captured trace input override, or null
 * @param traceOutput the captured trace output override, or null
 */
public record CapturedSpan(
    @Nullable String traceIdText,
    long traceIdHigh,
    long traceIdLow,
    @Nullable String spanIdText,
    long spanIdBits,
    @Nullable String parentSpanId,
    boolean parentRemote,
    String name,
    ObservationType type,
    long startEpochNanos,
    long endEpochNanos,
    ObservationLevel level,
    @Nullable String statusMessage,
    @Nullable Object input,
    @Nullable Object output,
    @Nullable Object metadata,
    TraceAttributes traceAttributes,
    boolean generation,
    @Nullable String model,
    @Nullable Object modelParameters,
    @Nullable Map<String, Long> usage,
    @Nullable Map<String, Double> cost,
    long completionStartEpochNanos,
    @Nullable String promptName,
    @Nullable Integer promptVersion,
    @Nullable String provider,
    @Nullable String version,
    @Nullable Object traceInput,
    @Nullable Object traceOutput) {

  /** A captured span whose ids are given as text. */
  public CapturedSpan(String traceId, String spanId, @Nullable String parentSpanId, boolean parentRemote, String name,
      ObservationType type, long startEpochNanos, long endEpochNanos, ObservationLevel level,
      @Nullable String statusMessage, @Nullable Object input, @Nullable Object output, @Nullable Object metadata,
      TraceAttributes traceAttributes, boolean generation, @Nullable String model, @Nullable Object modelParameters,
      @Nullable Map<String, Long> usage, @Nullable Map<String, Double> cost, long completionStartEpochNanos,
      @Nullable String promptName, @Nullable Integer promptVersion, @Nullable String provider,
      @Nullable String version, @Nullable Object traceInput, @Nullable Object traceOutput) {
    this(traceId, 0, 0, spanId, 0, parentSpanId, parentRemote, name, type, startEpochNanos, endEpochNanos, level,
        statusMessage, input, output, metadata, traceAttributes, generation, model, modelParameters, usage, cost,
        completionStartEpochNanos, promptName, promptVersion, provider, version, traceInput, traceOutput);
  }

  /** The trace id: 32 lowercase hex characters, written now unless the span had the text already. */
  public String traceId() {
    String text = traceIdText;
    return text != null ? text : HexIds.traceId(traceIdHigh, traceIdLow);
  }

  /** The span id: 16 lowercase hex characters, written now unless the span had the text already. */
  public String spanId() {
    String text = spanIdText;
    return text != null ? text : HexIds.spanId(spanIdBits);
  }

  /**
   * The JSON text of a content value that could still change, made when the span ended.
   *
   * @param json the value masked, serialized and truncated, as the exporter sends it
   */
  public record Snapshot(String json) {}
}
