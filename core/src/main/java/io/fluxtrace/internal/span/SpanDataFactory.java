package io.fluxtrace.internal.span;

import io.fluxtrace.ContentKind;
import io.fluxtrace.GenerationData;
import io.fluxtrace.SpanData;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.content.JsonText;
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
    boolean generation = span.modelName() != null || parameters != null || usage != null || cost != null
        || span.completionStartEpochNanos() != 0 || span.promptName() != null;
    return new CapturedSpan(
        span.traceId(),
        span.spanId(),
        span.parentSpanId(),
        span.parentRemote(),
        span.name(),
        span.type(),
        span.startEpochNanos(),
        span.endEpochNanos(),
        span.level(),
        span.statusMessage(),
        encoder.capture(ContentKind.INPUT, span.inputValue()),
        encoder.capture(ContentKind.OUTPUT, span.outputValue()),
        encoder.captureEntries(ContentKind.METADATA, span.metadataValues()),
        span.traceAttributes(),
        generation,
        span.modelName(),
        generation ? encoder.captureEntries(null, parameters) : null,
        usage,
        cost,
        span.completionStartEpochNanos(),
        span.promptName(),
        span.promptVersion());
  }

  /** The span as exporters receive it, its captured content encoded; on an export thread. Never throws. */
  public SpanData toSpanData(CapturedSpan span) {
    return new SpanData(
        span.traceId(),
        span.spanId(),
        span.parentSpanId(),
        span.parentRemote(),
        span.name(),
        span.type(),
        span.startEpochNanos(),
        span.endEpochNanos(),
        span.level(),
        encoder.encodeText(ContentKind.STATUS_MESSAGE, span.statusMessage()),
        encoder.encodeCaptured(ContentKind.INPUT, span.input()),
        encoder.encodeCaptured(ContentKind.OUTPUT, span.output()),
        encoder.encodeCapturedEntries(ContentKind.METADATA, span.metadata()),
        encoder.maskTraceAttributes(span.traceAttributes()),
        generation(span));
  }

  private @Nullable GenerationData generation(CapturedSpan span) {
    if (!span.generation()) {
      return null;
    }
    Map<String, Long> usage = span.usage();
    Map<String, Double> cost = span.cost();
    return new GenerationData(
        span.model(),
        encoder.encodeCapturedEntries(null, span.modelParameters()),
        usage == null ? Map.of() : usage,
        cost == null ? Map.of() : cost,
        span.completionStartEpochNanos(),
        span.promptName(),
        span.promptVersion());
  }
}
