package io.fluxtrace.springai.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.content.Media;

/**
 * Turns Spring AI's messages and options into the plain maps and lists that become span input, output and model
 * parameters. The shapes follow the OpenAI chat format Langfuse renders: {@code role}, {@code content},
 * {@code tool_calls}, {@code tool_call_id}. Media is recorded as a reference (MIME type, id, name, URL when the data
 * is one, else its size), never as its bytes.
 */
final class SpringAiValues {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SpringAiValues() {}

  /** The prompt as a message list, the system prompt included. */
  static List<Map<String, Object>> messages(List<Message> messages) {
    List<Map<String, Object>> out = new ArrayList<>(messages.size());
    for (Message message : messages) {
      if (message instanceof ToolResponseMessage tools) {
        for (ToolResponseMessage.ToolResponse response : tools.getResponses()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("role", "tool");
          m.put("tool_call_id", response.id());
          m.put("name", response.name());
          m.put("content", response.responseData());
          out.add(m);
        }
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("role", message.getMessageType().getValue());
      String text = message.getText();
      if (text != null) {
        m.put("content", text);
      }
      if (message instanceof UserMessage user && !user.getMedia().isEmpty()) {
        m.put("media", media(user.getMedia()));
      }
      if (message instanceof AssistantMessage assistant && assistant.hasToolCalls()) {
        m.put("tool_calls", toolCalls(assistant.getToolCalls()));
      }
      out.add(m);
    }
    return out;
  }

  /** The assistant message of a response: text and tool calls of its first generation. */
  static Map<String, Object> assistant(@Nullable String text, List<AssistantMessage.ToolCall> toolCalls) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", "assistant");
    m.put("content", text == null ? "" : text);
    if (!toolCalls.isEmpty()) {
      m.put("tool_calls", toolCalls(toolCalls));
    }
    return m;
  }

  /** The tool calls a response asks for (those of every generation). */
  static List<AssistantMessage.ToolCall> toolCalls(@Nullable ChatResponse response) {
    if (response == null) {
      return List.of();
    }
    List<AssistantMessage.ToolCall> calls = new ArrayList<>();
    for (Generation generation : response.getResults()) {
      if (generation != null && generation.getOutput() != null) {
        calls.addAll(generation.getOutput().getToolCalls());
      }
    }
    return calls;
  }

  private static List<Map<String, Object>> toolCalls(List<AssistantMessage.ToolCall> calls) {
    List<Map<String, Object>> out = new ArrayList<>(calls.size());
    for (AssistantMessage.ToolCall call : calls) {
      Map<String, Object> function = new LinkedHashMap<>();
      function.put("name", call.name());
      function.put("arguments", call.arguments());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", call.id());
      m.put("type", call.type() == null ? "function" : call.type());
      m.put("function", function);
      out.add(m);
    }
    return out;
  }

  private static List<Map<String, Object>> media(List<Media> media) {
    List<Map<String, Object>> out = new ArrayList<>(media.size());
    for (Media item : media) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mimeType", String.valueOf(item.getMimeType()));
      if (item.getId() != null) {
        m.put("id", item.getId());
      }
      m.put("name", item.getName());
      Object data = item.getData();
      if (data instanceof String url) {
        // A URL or a data URI: a data URI is content, so only its length is kept.
        m.put(url.startsWith("data:") ? "bytes" : "url", url.startsWith("data:") ? url.length() : url);
      } else if (data instanceof byte[] bytes) {
        m.put("bytes", bytes.length);
      }
      out.add(m);
    }
    return out;
  }

  /** The requested model: the prompt's, else the model's default. */
  static @Nullable String model(@Nullable ChatOptions prompt, @Nullable ChatOptions defaults) {
    if (prompt != null && prompt.getModel() != null) {
      return prompt.getModel();
    }
    return defaults == null ? null : defaults.getModel();
  }

  /** The model parameters the call used: the prompt's, over the model's defaults. */
  static Map<String, Object> parameters(@Nullable ChatOptions prompt, @Nullable ChatOptions defaults) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (ChatOptions options : new ChatOptions[] {defaults, prompt}) {
      if (options == null) {
        continue;
      }
      put(out, "temperature", options.getTemperature());
      put(out, "max_tokens", options.getMaxTokens());
      put(out, "top_p", options.getTopP());
      put(out, "top_k", options.getTopK());
      put(out, "frequency_penalty", options.getFrequencyPenalty());
      put(out, "presence_penalty", options.getPresencePenalty());
      List<String> stop = options.getStopSequences();
      if (stop != null && !stop.isEmpty()) {
        out.put("stop", List.copyOf(stop));
      }
    }
    return out;
  }

  private static void put(Map<String, Object> out, String key, @Nullable Object value) {
    if (value != null) {
      out.put(key, value);
    }
  }

  /**
   * Cached input and reasoning output tokens from a provider's native usage object, where it reports them (OpenAI's
   * {@code prompt_tokens_details.cached_tokens} and {@code completion_tokens_details.reasoning_tokens}, Anthropic's
   * {@code cache_read_input_tokens}); {@code [cached, reasoning]}, zero when absent.
   */
  static long[] tokenDetails(@Nullable Object nativeUsage) {
    long[] out = new long[2];
    if (nativeUsage == null || nativeUsage instanceof Map<?, ?> m && m.isEmpty()) {
      return out;
    }
    JsonNode node;
    try {
      node = JSON.valueToTree(nativeUsage);
    } catch (IllegalArgumentException e) {
      return out;
    }
    out[0] = Math.max(
        node.path("prompt_tokens_details").path("cached_tokens").asLong(0),
        node.path("cache_read_input_tokens").asLong(0));
    out[1] = node.path("completion_tokens_details").path("reasoning_tokens").asLong(0);
    return out;
  }

  /** What an embedding or a search was given: a text, or a document's id and text. */
  static Object inputText(@Nullable Object input) {
    if (input instanceof org.springframework.ai.document.Document document) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", document.getId());
      m.put("text", document.getText());
      return m;
    }
    return String.valueOf(input);
  }

  /** A tool's arguments or result: parsed when it is JSON, so Langfuse shows it as such; else the string. */
  static @Nullable Object json(@Nullable String text) {
    if (text == null) {
      return null;
    }
    String t = text.strip();
    if (t.isEmpty() || (t.charAt(0) != '{' && t.charAt(0) != '[')) {
      return text;
    }
    try {
      return JSON.readTree(t);
    } catch (JsonProcessingException e) {
      return text;
    }
  }
}
