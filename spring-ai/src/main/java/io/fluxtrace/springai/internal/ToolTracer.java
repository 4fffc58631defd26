package io.fluxtrace.springai.internal;

import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.reactor.internal.ContextSpans;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.resolution.ToolCallbackResolver;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.context.ContextView;

/**
 * Traces Spring AI's tool rounds from inside its tool-calling loop, around {@code ToolCallingManager.executeToolCalls}:
 * the model's invocation ends its current generation, each tool runs inside a {@code tool} span (its callback is
 * wrapped for this round only, on a copy of the prompt's options), and the next generation starts with the
 * conversation that goes back to the model.
 */
public final class ToolTracer {

  private static final Logger log = Loggers.getLogger(ToolTracer.class);

  private final ChatTracer chats;
  private final @Nullable ToolCallbackResolver resolver;

  /** {@code resolver} resolves tools named in the options (not given as callbacks), so they are traced too. */
  public ToolTracer(ChatTracer chats, @Nullable ToolCallbackResolver resolver) {
    this.chats = chats;
    this.resolver = resolver;
  }

  /** Runs one tool round through {@code proceed}, traced when the round belongs to a traced model invocation. */
  public ToolExecutionResult executeToolCalls(
      Prompt prompt, ChatResponse response, BiFunction<Prompt, ChatResponse, ToolExecutionResult> proceed) {
    ChatInvocation invocation = null;
    SpanContext parent = null;
    Prompt traced = prompt;
    try {
      invocation = chats.invocationOf(prompt);
      if (invocation != null) {
        parent = invocation.toolRound(response);
        if (parent != null) {
          traced = withTracedTools(prompt, parent, invocation.attributes());
        }
      } else {
        ContextView context = chats.toolRoundContext();
        SpanContext contextParent = context == null ? null : ContextSpans.parent(context);
        if (context != null && contextParent != null) {
          traced = withTracedTools(prompt, contextParent, ContextSpans.attributes(context));
        }
      }
    } catch (RuntimeException e) {
      log.warn("fluxtrace: could not trace a Spring AI tool round; the tools run untraced", e);
      traced = prompt;
    }
    ToolExecutionResult result = proceed.apply(traced, response);
    if (invocation != null && parent != null && result != null && !result.returnDirect()) {
      invocation.nextGeneration(result.conversationHistory());
    }
    return result;
  }

  private Prompt withTracedTools(Prompt prompt, SpanContext parent, TraceAttributes attributes) {
    if (!(prompt.getOptions() instanceof ToolCallingChatOptions options)) {
      return prompt;
    }
    List<ToolCallback> wrapped = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (ToolCallback callback : options.getToolCallbacks()) {
      wrapped.add(new TracingToolCallback(callback, chats.tracer(), chats.settings(), parent, attributes));
      names.add(callback.getToolDefinition().name());
    }
    Set<String> unresolved = new LinkedHashSet<>();
    for (String name : options.getToolNames()) {
      if (names.contains(name)) {
        continue;
      }
      ToolCallback callback = resolver == null ? null : resolver.resolve(name);
      if (callback == null) {
        unresolved.add(name);
      } else {
        wrapped.add(new TracingToolCallback(callback, chats.tracer(), chats.settings(), parent, attributes));
      }
    }
    ChatOptions copied = options.copy();
    if (!(copied instanceof ToolCallingChatOptions copy)) {
      return prompt;
    }
    copy.setToolCallbacks(wrapped);
    copy.setToolNames(unresolved);
    // The copy's tool context, internal execution flag and the rest are the prompt's own.
    return new Prompt(prompt.getInstructions(), copy);
  }
}
