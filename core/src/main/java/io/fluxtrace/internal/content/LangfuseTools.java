package io.fluxtrace.internal.content;

import io.fluxtrace.ToolCall;
import io.fluxtrace.ToolDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Puts a generation's tool definitions and tool calls where Langfuse finds them, in the shapes it renders
 * (Langfuse {@code extractToolsBackend.ts}): the definitions as the observation metadata entry {@code tools}, an
 * array of OpenAI function definitions, which Langfuse moves into the input as the generation's available tools;
 * the calls as the {@code tool_calls} of an OpenAI assistant message that wraps the output. Both become plain
 * maps and lists here, before masking and serialization, so they follow the same content rules as the rest.
 */
public final class LangfuseTools {

  /** The metadata key Langfuse reads tool definitions from. */
  public static final String METADATA_KEY = "tools";

  private LangfuseTools() {}

  /** The span metadata with the tool definitions under {@value #METADATA_KEY}; {@code metadata} without any. */
  public static @Nullable Map<String, @Nullable Object> metadata(@Nullable Map<String, @Nullable Object> metadata,
      @Nullable List<ToolDefinition> tools) {
    if (tools == null || tools.isEmpty()) {
      return metadata;
    }
    List<Object> definitions = new ArrayList<>(tools.size());
    for (ToolDefinition tool : tools) {
      Map<String, Object> function = new LinkedHashMap<>();
      function.put("name", tool.name());
      if (tool.description() != null) {
        function.put("description", tool.description());
      }
      if (tool.parameters() != null) {
        function.put("parameters", tool.parameters());
      }
      definitions.add(Map.of("type", "function", "function", function));
    }
    Map<String, @Nullable Object> merged = metadata == null ? new LinkedHashMap<>() : new LinkedHashMap<>(metadata);
    merged.put(METADATA_KEY, definitions);
    return merged;
  }

  /**
   * The output as an OpenAI assistant message carrying the tool calls, {@code {"role":"assistant","content":
   * output,"tool_calls":[...]}}; {@code output} itself without calls. Arguments given as a string are taken as the
   * model's JSON text and sent as they are; other values are serialized into the message.
   */
  public static @Nullable Object output(@Nullable Object output, @Nullable List<ToolCall> calls) {
    if (calls == null || calls.isEmpty()) {
      return output;
    }
    List<Object> toolCalls = new ArrayList<>(calls.size());
    for (ToolCall call : calls) {
      Map<String, @Nullable Object> function = new LinkedHashMap<>();
      function.put("name", call.name());
      Object arguments = call.arguments();
      function.put("arguments", arguments == null ? "{}" : arguments);
      Map<String, Object> toolCall = new LinkedHashMap<>();
      toolCall.put("id", call.id());
      toolCall.put("type", "function");
      toolCall.put("function", function);
      toolCalls.add(toolCall);
    }
    Map<String, @Nullable Object> message = new LinkedHashMap<>();
    message.put("role", "assistant");
    message.put("content", output);
    message.put("tool_calls", toolCalls);
    return message;
  }
}
