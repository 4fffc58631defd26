package io.fluxtrace.internal.span;

import io.fluxtrace.ContentKind;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.content.JsonText;
import io.fluxtrace.internal.content.LangfuseTools;
import io.fluxtrace.internal.pipeline.CapturedSpan;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Freezes an ended {@link RecordingSpan} in two steps. {@link #capture} runs on the thread that ended the span and
 * does as little as it can: immutable content is kept by reference, only mutable content is masked, serialized and
 * truncated there (see {@link io.fluxtrace.internal.content.CapturedContent}). {@link #toSpanData(CapturedSpan)}
 * runs on an export thread and turns the rest into JSON text with the same {@link ContentEncoder}, so the
 * {@link SpanData} is the same, byte for byte, as if everything had been encoded when the span ended. Values the
 * span refused (see {@link RecordingSpan#invalidValues()}) are counted at capture and reported at most once a
 * minute.
 */
public final class SpanDataFactory {

  private final ContentEncoder encoder;
  private final TracerMetrics metrics;
  private final RateLimitedLog invalidValueWarnings =
      new RateLimitedLog(SafeLogger.of(SpanDataFactory.class), Duration.ofMinutes(1));

  /** A factory that encodes content with {@code encoder} and counts dropped values in {@code metrics}. */
  public SpanDataFactory(ContentEncoder encoder, TracerMetrics metrics) {
    this.encoder = encoder;
    this.metrics = metrics;
  }

  /** Both steps at once, on the calling thread. Never throws. */
  public SpanData toSpanData(RecordingSpan span) {
    return toSpanData(capture(span));
  }

  /** What an ended span keeps until export; on the thread that ended it. Never throws. */
  public CapturedSpan capture(RecordingSpan span) {
    if (span.invalidValues() > 0) {
      metrics.invalidValuesDropped.add(span.invalidValues());
      invalidValueWarnings.warn("fluxtrace: span '{}' was given {} value(s) Langfuse would reject (a negative or"
          + " non-integer usage, a negative or non-finite cost, a null key, a blank prompt name); they were dropped"
          + " and counted in stats().invalidValuesDropped()", JsonText.truncate(span.name(), 200, "..."),
          span.invalidValues());
    }
    Map<String, @Nullable Object> parameters = span.modelParameterValues();
    Map<String, Long> usage = span.usageValues();
    Map<String, Double> cost = span.costValues();
    String promptName = span.promptName();
    Integer promptVersion = span.promptVersion();
    TraceAttributes trace = span.traceAttributes();
    if (promptName == null && trace.promptName() != null && span.type() == ObservationType.GENERATION) {
      // The request's prompt, linked once with contextWrite, for every generation that links none itself.
      promptName = trace.promptName();
      promptVersion = trace.promptVersion();
    }
    boolean generation = span.modelName() != null || parameters != null || usage != null || cost != null
        || span.completionStartEpochNanos() != 0 || promptName != null || span.providerValue() != null;
    // The ids stay numbers unless the media step needs them now: they are written as text on the export side.
    ContentEncoder.SpanIds ids = encoder.replacesMedia() ? new ContentEncoder.SpanIds(span.traceId(), span.spanId())
        : null;
    return new CapturedSpan(
        span.traceIdIfWritten(),
        span.traceIdHigh(),
        span.traceIdLow(),
        span.spanIdIfWritten(),
        span.spanIdBits(),
        span.parentSpanId(),
        span.parentRemote(),
        span.name(),
        span.type(),
        span.startEpochNanos(),
        span.endEpochNanos(),
        span.level(),
        span.statusMessage(),
        encoder.capture(ContentKind.INPUT, span.inputValue(), ids),
        encoder.capture(ContentKind.OUTPUT, LangfuseTools.output(span.outputValue(), span.toolCallValues()), ids),
        encoder.captureEntries(ContentKind.METADATA,
            LangfuseTools.metadata(span.metadataValues(), span.toolDefinitionValues()), ids),
        trace,
        generation,
        span.modelName(),
        generation ? encoder.captureEntries(null, parameters, null) : null,
        usage,
        cost,
        span.completionStartEpochNanos(),
        promptName,
        promptVersion,
        span.providerValue(),
        span.versionValue(),
        encoder.capture(ContentKind.INPUT, span.traceInputValue(), null),
        encoder.capture(ContentKind.OUTPUT, span.traceOutputValue(), null));
  }

  /** The span's ids for the media step, only when one runs. */
  private ContentEncoder.@Nullable SpanIds mediaIds(String traceId, String spanId) {
    return encoder.replacesMedia() ? new ContentEncoder.SpanIds(traceId, spanId) : null;
  }

  /** The span as exporters receive it, its captured content encoded; on an export thread. Never throws. */
  public SpanData toSpanData(CapturedSpan span) {
    // Written once here: a span captured with numeric ids writes its id text on each call.
    String traceId = span.traceId();
    String spanId = span.spanId();
    ContentEncoder.SpanIds ids = mediaIds(traceId, spanId);
    return new SpanData(
        traceId,
        spanId,
        span.parentSpanId(),
        span.parentRemote(),
        span.name(),
        span.type(),
        span.startEpochNanos(),
        span.endEpochNanos(),
        span.level(),
        encoder.encodeText(ContentKind.STATUS_MESSAGE, span.statusMessage()),
        encoder.encodeCaptured(ContentKind.INPUT, span.input(), ids),
        encoder.encodeCaptured(ContentKind.OUTPUT, span.output(), ids),
        encoder.encodeCapturedEntries(ContentKind.METADATA, span.metadata(), ids),
        encoder.maskTraceAttributes(span.traceAttributes()),
        generation(span),
        span.version(),
        encoder.encodeCaptured(ContentKind.INPUT, span.traceInput(), null),
        encoder.encodeCaptured(ContentKind.OUTPUT, span.traceOutput(), null));
  }

  private @Nullable GenerationData generation(CapturedSpan span) {
    if (!span.generation()) {
      return null;
    }
    Map<String, Long> usage = span.usage();
    Map<String, Double> cost = span.cost();
    return new GenerationData(
        span.model(),
        encoder.encodeCapturedEntries(null, span.modelParameters(), null),
        usage == null ? Map.of() : usage,
        cost == null ? Map.of() : cost,
        span.completionStartEpochNanos(),
        span.promptName(),
        span.promptVersion(),
        span.provider());
  }
}
