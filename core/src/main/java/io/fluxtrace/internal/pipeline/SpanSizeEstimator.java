package io.fluxtrace.internal.pipeline;

import io.fluxtrace.GenerationData;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Estimates how many bytes a span takes in an uncompressed OTLP/HTTP JSON request, cheaply enough to run on
 * the thread that ends the span: string lengths and fixed allowances, no serialization. It errs on the high
 * side for ASCII content; the same figure bounds the memory the pipeline holds (a Latin-1 string costs about
 * one byte per character).
 */
public final class SpanSizeEstimator {

  /** Ids, timestamps, kind, status, attribute keys and JSON punctuation of one span. */
  static final int SPAN_OVERHEAD = 640;
  /** Key and punctuation of one attribute. */
  static final int ATTRIBUTE_OVERHEAD = 48;

  private SpanSizeEstimator() {}

  /** The estimated encoded size of {@code span} in bytes. */
  public static long estimate(SpanData span) {
    long size = SPAN_OVERHEAD + span.name().length() + plain(span.statusMessage())
        + embeddedJson(span.input()) + embeddedJson(span.output()) + embeddedJson(span.metadata());
    size += traceAttributes(span.traceAttributes());
    GenerationData generation = span.generation();
    if (generation != null) {
      // Completion start, prompt version, usage and cost details (JSON objects of key/number pairs).
      size += plain(generation.model()) + embeddedJson(generation.modelParameters())
          + plain(generation.promptName()) + 4L * ATTRIBUTE_OVERHEAD
          + 32L * (generation.usageDetails().size() + generation.costDetails().size());
      for (String key : generation.usageDetails().keySet()) {
        size += key.length();
      }
      for (String key : generation.costDetails().keySet()) {
        size += key.length();
      }
    }
    return size;
  }

  private static long traceAttributes(TraceAttributes attributes) {
    long size = plain(attributes.userId()) + plain(attributes.sessionId()) + plain(attributes.traceName())
        + plain(attributes.release()) + plain(attributes.version()) + plain(attributes.environment());
    if (!attributes.tags().isEmpty()) {
      size += ATTRIBUTE_OVERHEAD;
      for (String tag : attributes.tags()) {
        size += tag.length() + 16;
      }
    }
    Map<String, String> metadata = attributes.metadata();
    if (!metadata.isEmpty()) { // iterating even an empty unmodifiable map allocates two iterators
      for (Map.Entry<String, String> entry : metadata.entrySet()) {
        size += ATTRIBUTE_OVERHEAD + entry.getKey().length() + entry.getValue().length();
      }
    }
    return size;
  }

  private static long plain(@Nullable String value) {
    return value == null ? 0 : ATTRIBUTE_OVERHEAD + value.length();
  }

  /** JSON text carried as a JSON string value: its quotes get escaped, which an eighth more allows for. */
  private static long embeddedJson(@Nullable String json) {
    return json == null ? 0 : ATTRIBUTE_OVERHEAD + json.length() + (json.length() >> 3);
  }
}
