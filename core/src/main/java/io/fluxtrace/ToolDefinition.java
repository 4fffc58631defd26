package io.fluxtrace;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A tool offered to a model in a generation ({@link Span#toolDefinitions}). Sent in the OpenAI function shape
 * ({@code {"type":"function","function":{"name":...,"description":...,"parameters":...}}}), which Langfuse lists
 * as the generation's available tools.
 *
 * @param name the tool's name, not blank
 * @param description what the tool does, or null
 * @param parameters the JSON schema of its arguments (a {@code Map}, a Jackson node or any serializable value), or
 *     null
 */
public record ToolDefinition(String name, @Nullable String description, @Nullable Object parameters) {

  /** Checks that the name is not blank: Langfuse skips a tool without a name. */
  public ToolDefinition {
    if (Objects.requireNonNull(name, "name").isBlank()) {
      throw new IllegalArgumentException("fluxtrace: tool definition name must not be blank");
    }
  }
}
