package io.fluxtrace.internal.span;

import io.fluxtrace.ContentKind;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.content.LangfuseTools;
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
    ContentEncoder.SpanIds ids =
        encoder.replacesMedia() ? new ContentEncoder.SpanIds(span.traceId(), span.spanId()) : null;
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
        encoder.encode(ContentKind.INPUT, span.inputValue(), ids),
        encoder.encode(ContentKind.OUTPUT, LangfuseTools.output(span.outputValue(), span.toolCallValues()), ids),
        encoder.encodeEntries(ContentKind.METADATA,
            LangfuseTools.metadata(span.metadataValues(), span.toolDefinitionValues()), ids),
        encoder.maskTraceAttributes(span.traceAttributes()),
        generation(span),
        span.versionValue(),
        encoder.encode(ContentKind.INPUT, span.traceInputValue()),
        encoder.encode(ContentKind.OUTPUT, span.traceOutputValue()));
  }

  private @Nullable GenerationData generation(RecordingSpan span) {
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
    if (span.modelName() == null && parameters == null && usage == null && cost == null
        && span.completionStartEpochNanos() == 0 && promptName == null && span.providerValue() == null) {
      return null;
    }
    return new GenerationData(
        span.modelName(),
        encoder.encodeEntries(null, parameters),
        usage == null ? Map.of() : usage,
        cost == null ? Map.of() : cost,
        span.completionStartEpochNanos(),
        promptName,
        promptVersion,
        span.providerValue());
  }
}
