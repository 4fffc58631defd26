package io.fluxtrace.internal.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentMasker;

/**
 * How user values (input, output, metadata) become bounded JSON text. Validated when built.
 *
 * @param objectMapper serializes the values
 * @param masker masks every value before it is encoded
 * @param maxValueBytes serialized bytes of one value before it is truncated
 */
public record ContentSettings(ObjectMapper objectMapper, ContentMasker masker, int maxValueBytes) {

  public ContentSettings {
    EndpointValidation.require(maxValueBytes >= 64, "maxValueBytes", "at least 64", String.valueOf(maxValueBytes));
  }
}
