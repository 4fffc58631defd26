package io.fluxtrace.internal.content;

import java.util.Objects;

/**
 * A structured value already masked, serialized and truncated: the recorded form of a nested trace metadata value,
 * which the wire encoder writes as the JSON it holds rather than as a string. Holds no application object.
 *
 * @param json valid JSON text of at most the tracer's {@code maxValueBytes}
 */
public record JsonValue(String json) {

  /** Checks that the text is present. */
  public JsonValue {
    Objects.requireNonNull(json, "json");
  }

  /** The JSON text itself. */
  @Override
  public String toString() {
    return json;
  }
}
