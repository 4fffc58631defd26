package io.fluxtrace.internal.span;

import io.fluxtrace.ContentKind;
import io.fluxtrace.GenerationData;
import io.fluxtrace.SpanData;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.content.JsonText;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Freezes an ended {@link RecordingSpan} into a {@link SpanData}: user content masked, serialized, sanitized and
 * truncated by the {@link ContentEncoder}, on the thread that ended the span. Values the span refused (see
 * {@link RecordingSpan#invalidValues()}) are counted here and reported at most once a minute.
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

  /** Never throws. */
  public SpanData toSpanData(RecordingSpan span) {
    if (span.invalidValues() > 0) {
      metrics.invalidValuesDropped.add(span.invalidValues());
      invalidValueWarnings.warn("fluxtrace: span '{}' was given {} value(s) Langfuse would reject (a negative or"
          + " non-integer usage, a negative or non-finite cost, a null key, a blank prompt name); they were dropped"
          + " and counted in stats().invalidValuesDropped()", JsonText.truncate(span.name(), 200, "..."),
          span.invalidValues());
    }
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
        encoder.encode(ContentKind.INPUT, span.inputValue()),
        encoder.encode(ContentKind.OUTPUT, span.outputValue()),
        encoder.encodeEntries(ContentKind.METADATA, span.metadataValues()),
        encoder.maskTraceAttributes(span.traceAttributes()),
        generation(span));
  }

  private @Nullable GenerationData generation(RecordingSpan span) {
    Map<String, @Nullable Object> parameters = span.modelParameterValues();
    Map<String, Long> usage = span.usageValues();
    Map<String, Double> cost = span.costValues();
    if (span.modelName() == null && parameters == null && usage == null && cost == null
        && span.completionStartEpochNanos() == 0 && span.promptName() == null) {
      return null;
    }
    return new GenerationData(
        span.modelName(),
        encoder.encodeEntries(null, parameters),
        usage == null ? Map.of() : usage,
        cost == null ? Map.of() : cost,
        span.completionStartEpochNanos(),
        span.promptName(),
        span.promptVersion());
  }
}
