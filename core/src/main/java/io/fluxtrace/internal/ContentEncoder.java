package io.fluxtrace.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import org.jspecify.annotations.Nullable;

/**
 * Turns user content into the JSON text that is exported: mask, serialize, truncate. Never throws: a value that
 * cannot be serialized becomes a placeholder string, and every replacement is counted.
 */
public final class ContentEncoder {

  private final ObjectMapper mapper;
  private final ContentMasker masker;
  private final int maxValueBytes;
  private final TracerMetrics metrics;

  public ContentEncoder(ObjectMapper mapper, ContentMasker masker, int maxValueBytes, TracerMetrics metrics) {
    this.mapper = mapper;
    this.masker = masker;
    this.maxValueBytes = maxValueBytes;
    this.metrics = metrics;
  }

  /** The value as JSON text, or null when there is nothing to send. */
  public @Nullable String encode(ContentKind kind, @Nullable Object value) {
    if (value == null) {
      return null;
    }
    Object masked;
    try {
      masked = masker.mask(kind, value);
    } catch (Throwable t) {
      metrics.maskingFailures.increment();
      masked = ContentMasker.FAILED_MARKER;
    }
    if (masked == null) {
      return null;
    }
    return serialize(masked);
  }

  private String serialize(Object masked) {
    String json;
    try {
      json = mapper.writeValueAsString(masked);
    } catch (Throwable t) {
      metrics.contentReplaced.increment();
      try {
        json = mapper.writeValueAsString("<fluxtrace: unserializable " + masked.getClass().getName() + ">");
      } catch (Throwable impossible) {
        json = "\"<fluxtrace: unserializable>\"";
      }
    }
    if (json.length() > maxValueBytes) {
      metrics.contentTruncated.increment();
      try {
        json = mapper.writeValueAsString(json.substring(0, maxValueBytes) + "...<fluxtrace: truncated>");
      } catch (Throwable impossible) {
        json = "\"<fluxtrace: truncated>\"";
      }
    }
    return json;
  }

  /** Application configuration (model parameters) as JSON text: serialized and truncated, not masked. */
  public @Nullable String encodeUnmasked(@Nullable Object value) {
    return value == null ? null : serialize(value);
  }

  /** A plain string (status messages), masked and truncated but not JSON-quoted. */
  public @Nullable String encodeText(ContentKind kind, @Nullable String value) {
    if (value == null) {
      return null;
    }
    Object masked;
    try {
      masked = masker.mask(kind, value);
    } catch (Throwable t) {
      metrics.maskingFailures.increment();
      return ContentMasker.FAILED_MARKER;
    }
    if (masked == null) {
      return null;
    }
    String text = masked.toString();
    if (text.length() > maxValueBytes) {
      metrics.contentTruncated.increment();
      text = text.substring(0, maxValueBytes) + "...<fluxtrace: truncated>";
    }
    return text;
  }
}
