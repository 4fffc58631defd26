package io.fluxtrace.springai.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * The few places where Spring AI 1.1 and 2.0 differ in an API the instrumentation calls. The module is compiled
 * against 1.1; on 2.0 (which made chat options immutable: {@code mutate()} and a builder instead of {@code copy()}
 * and setters, and dropped tool names from the options) the 2.0 methods are looked up once, by name.
 */
final class SpringAiLine {

  private static final @Nullable Method MUTATE = method(ChatOptions.class, "mutate");
  /** True on Spring AI 2.x. */
  static final boolean V2 = MUTATE != null;
  private static final @Nullable Method TOOL_CALLBACKS = V2
      ? method(type("org.springframework.ai.model.tool.ToolCallingChatOptions$Builder"), "toolCallbacks", List.class)
      : null;
  private static final @Nullable Method TOOL_CONTEXT = V2
      ? method(type("org.springframework.ai.model.tool.ToolCallingChatOptions$Builder"), "toolContext", String.class,
          Object.class)
      : null;
  private static final @Nullable Method BUILD = V2
      ? method(type("org.springframework.ai.model.tool.ToolCallingChatOptions$Builder"), "build")
      : null;

  private static final @Nullable Method GET_OPTIONS = V2 ? method(ChatModel.class, "getOptions") : null;

  private SpringAiLine() {}

  /** The model's options: 2.0's {@code getOptions()}, else (1.1) {@code getDefaultOptions()}. */
  static ChatOptions options(ChatModel model) {
    if (GET_OPTIONS != null) {
      try {
        Object options = GET_OPTIONS.invoke(model);
        if (options instanceof ChatOptions o) {
          return o;
        }
      } catch (IllegalAccessException | InvocationTargetException e) {
        // Fall back to the 1.1 method, which 2.0 keeps (deprecated).
      }
    }
    return model.getDefaultOptions();
  }

  /** The tool names of {@code options} (1.1; 2.0 options hold callbacks only). */
  static Set<String> toolNames(ToolCallingChatOptions options) {
    if (V2) {
      return Set.of();
    }
    Set<String> names = options.getToolNames();
    return names == null ? Set.of() : names;
  }

  /** The tool callbacks of {@code options}, never null. */
  static List<ToolCallback> toolCallbacks(ToolCallingChatOptions options) {
    List<ToolCallback> callbacks = options.getToolCallbacks();
    return callbacks == null ? List.of() : callbacks;
  }

  /**
   * A copy of {@code options} with {@code callbacks} and (1.1) {@code names} as its tools and {@code toolContext}
   * added to its tool context, everything else the same; null when the options cannot be copied as such.
   */
  static @Nullable ToolCallingChatOptions withTools(ToolCallingChatOptions options, List<ToolCallback> callbacks,
      Collection<String> names, Map<String, Object> toolContext) {
    if (!V2) {
      ChatOptions copied = options.copy();
      if (!(copied instanceof ToolCallingChatOptions copy)) {
        return null;
      }
      copy.setToolCallbacks(callbacks);
      copy.setToolNames(Set.copyOf(names));
      if (!toolContext.isEmpty()) {
        Map<String, Object> context = new HashMap<>();
        if (options.getToolContext() != null) {
          context.putAll(options.getToolContext());
        }
        context.putAll(toolContext);
        copy.setToolContext(context);
      }
      return copy;
    }
    if (MUTATE == null || TOOL_CALLBACKS == null || BUILD == null || TOOL_CONTEXT == null) {
      return null;
    }
    try {
      Object builder = MUTATE.invoke(options);
      TOOL_CALLBACKS.invoke(builder, callbacks);
      for (Map.Entry<String, Object> entry : toolContext.entrySet()) {
        TOOL_CONTEXT.invoke(builder, entry.getKey(), entry.getValue());
      }
      Object built = BUILD.invoke(builder);
      return built instanceof ToolCallingChatOptions o ? o : null;
    } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
      return null;
    }
  }

  private static @Nullable Class<?> type(String name) {
    try {
      return Class.forName(name, false, SpringAiLine.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  private static @Nullable Method method(@Nullable Class<?> type, String name, Class<?>... parameters) {
    if (type == null) {
      return null;
    }
    try {
      return type.getMethod(name, parameters);
    } catch (NoSuchMethodException | SecurityException e) {
      return null;
    }
  }
}
