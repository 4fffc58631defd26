package io.fluxtrace;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tool call a model asked for in a generation ({@link Span#toolCalls}). Sent in the OpenAI chat shape
 * ({@code {"id":...,"type":"function","function":{"name":...,"arguments":"<JSON text>"}}}), which Langfuse renders
 * as the assistant message's tool calls.
 *
 * @param id the call id the model gave, used to match the tool's result; may be empty when the model gave none
 * @param name the tool's name, not blank
 * @param arguments the arguments: JSON text as the model produced it, or a value serialized with the tracer's
 *     {@code ObjectMapper}; null for none
 */
public record ToolCall(String id, String name, @Nullable Object arguments) {

  /** Checks that the id is present and the name not blank. */
  public ToolCall {
    Objects.requireNonNull(id, "id");
    if (Objects.requireNonNull(name, "name").isBlank()) {
      throw new IllegalArgumentException("fluxtrace: tool call name must not be blank");
    }
  }
}
