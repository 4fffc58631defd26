package io.fluxtrace.springai.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.internal.ContextSpans;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.internal.ToolCallReactiveContextHolder;
import reactor.core.publisher.Flux;
import reactor.util.context.ContextView;

/**
 * Traces {@code ChatModel.call} and {@code ChatModel.stream}, whoever calls them (a {@code ChatClient}, an advisor
 * chain, the application itself): the one place every model invocation passes through, so call and stream, with or
 * without a {@code ChatClient}, are traced alike and never twice.
 *
 * <p><b>Parent.</b> A stream takes its parent and the request's trace attributes from the subscriber's Reactor
 * Context, read when the returned Flux is subscribed, never from thread state. A blocking {@code call} has no
 * Reactor Context: it starts a trace of its own, with the tools and later generations under its first generation.
 *
 * <p><b>Finding the invocation from the tool loop.</b> Spring AI runs its tool loop inside the model. For a stream,
 * the invocation travels in the Reactor Context, which Spring AI hands to the tool-calling manager through
 * {@link ToolCallReactiveContextHolder}. For a blocking call, the tool-calling manager receives a prompt that holds
 * the caller's very message instances (Spring AI copies the list, never the messages), so the invocation is found by
 * identity among the blocking calls in flight.
 */
public final class ChatTracer {

  /** The Context key of the invocation, for the tool-calling manager of a stream. */
  static final Object INVOCATION = new Object() {
    @Override
    public String toString() {
      return "fluxtrace.springai.invocation";
    }
  };
  /** The Context key that marks a skipped model's stream, whose tool rounds are not traced either. */
  static final Object SKIPPED = new Object() {
    @Override
    public String toString() {
      return "fluxtrace.springai.skipped";
    }
  };
  /** The Context key of the {@link Scope} of a {@code ChatClient} stream ({@link TracingAdvisor}). */
  static final Object SCOPE = new Object() {
    @Override
    public String toString() {
      return "fluxtrace.springai.scope";
    }
  };
  /** The Context key of a Langfuse prompt link ({@code ChatInvocation.PromptLink}). */
  public static final Object PROMPT = new Object() {
    @Override
    public String toString() {
      return "fluxtrace.springai.prompt";
    }
  };

  private final ReactorTracing tracing;
  private final Settings settings;
  private final Set<ChatInvocation> blockingCalls = ConcurrentHashMap.newKeySet();
  private final Scopes scopes = new Scopes();

  public ChatTracer(ReactorTracing tracing, Settings settings) {
    this.tracing = tracing;
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  public FluxTracer tracer() {
    return tracing.tracer();
  }

  /** The scopes of the {@code ChatClient} calls and searches in flight. */
  Scopes scopes() {
    return scopes;
  }

  /**
   * The scope a call belongs to when its Context has no span: the {@code ChatClient} stream's (in the Context), or
   * the blocking {@code ChatClient} call's whose messages it was given.
   */
  @Nullable Scope scopeOf(ContextView context, List<?> messages) {
    Scope scope = context.getOrDefault(SCOPE, null);
    return scope != null ? scope : scopes.find(messages);
  }

  /** As {@link #scopeOf(ContextView, List)}, with the scope named in the prompt's options first. */
  @Nullable Scope scopeOf(ContextView context, Prompt prompt) {
    Scope scope = Scope.of(prompt.getOptions());
    return scope != null ? scope : scopeOf(context, prompt.getInstructions());
  }

  /** A prompt link for the Context. */
  public static Object promptLink(String name, int version) {
    return new ChatInvocation.PromptLink(name, version);
  }

  /** Traces a blocking call; its parent is the one in {@code context} (an empty Context: a trace of its own). */
  public ChatResponse call(ChatModel model, Prompt prompt, ContextView context, Function<Prompt, ChatResponse> proceed) {
    ChatInvocation invocation = start(model, prompt, context);
    if (invocation == null) {
      return proceed.apply(prompt);
    }
    blockingCalls.add(invocation);
    try {
      ChatResponse response = proceed.apply(prompt);
      if (response != null) {
        invocation.onResponse(response);
      }
      invocation.complete(response);
      return response;
    } catch (RuntimeException | Error e) {
      invocation.error(e);
      throw e;
    } finally {
      blockingCalls.remove(invocation);
    }
  }

  /** Traces a stream, parented from the subscriber's Reactor Context. */
  public Flux<ChatResponse> stream(ChatModel model, Prompt prompt, Function<Prompt, Flux<ChatResponse>> proceed) {
    if (!tracer().isEnabled()) {
      return proceed.apply(prompt);
    }
    return Flux.deferContextual(context -> {
      ChatInvocation invocation = start(model, prompt, context);
      if (invocation == null) {
        return proceed.apply(prompt).contextWrite(c -> c.put(SKIPPED, Boolean.TRUE));
      }
      AtomicReference<@Nullable ChatResponse> last = new AtomicReference<>();
      return proceed.apply(prompt)
          .contextWrite(c -> c.put(INVOCATION, invocation))
          .doOnNext(response -> {
            last.set(response);
            invocation.onResponse(response);
          })
          .doOnError(invocation::error)
          .doOnComplete(() -> invocation.complete(last.get()))
          .doOnCancel(invocation::cancel);
    });
  }

  private @Nullable ChatInvocation start(ChatModel model, Prompt prompt, ContextView context) {
    if (!tracer().isEnabled()) {
      return null;
    }
    try {
      SpanContext parent = ContextSpans.parent(context);
      if (parent != null && !parent.sampled()) {
        return null;
      }
      Scope scope = context.getOrDefault(SCOPE, null);
      if (scope == null) {
        scope = Scope.of(prompt.getOptions());
      }
      if (scope == null && parent == null) {
        scope = scopes.find(prompt.getInstructions());
      }
      ChatOptions defaults = SpringAiLine.options(model);
      ChatOptions options = prompt.getOptions();
      String requested = SpringAiValues.model(options, defaults);
      if (requested != null && settings.skipModels().contains(requested)) {
        if (scope != null) {
          scope.skip();
        }
        return null;
      }
      TraceAttributes attributes = ContextSpans.attributes(context);
      if (parent == null && scope != null) {
        parent = scope.parent();
        attributes = scope.attributes();
      }
      Map<String, Object> parameters = SpringAiValues.parameters(options, defaults);
      ChatInvocation.PromptLink link = context.getOrDefault(PROMPT, null);
      ChatInvocation invocation = new ChatInvocation(tracer(), settings, parent, attributes,
          requested, parameters, link, List.copyOf(prompt.getInstructions()));
      invocation.start();
      if (scope != null) {
        scope.started(invocation.siblingsParent());
      }
      return invocation;
    } catch (RuntimeException e) {
      // Tracing never breaks the call: without a span, the model is called as if fluxtrace were not there.
      reactor.util.Loggers.getLogger(ChatTracer.class)
          .warn("fluxtrace: could not start a Spring AI generation; the call goes on untraced", e);
      return null;
    }
  }

  /**
   * Where the tools of a round that belongs to no traced model invocation go (the tool loop runs outside the model:
   * Spring AI 2's {@code ToolCallingAdvisor}): under the current span of the Reactor Context handed to the
   * tool-calling manager, else in the {@code ChatClient} call's scope; null when there is neither, or when the round
   * belongs to a skipped model.
   */
  @Nullable Scope toolRoundScope(Prompt prompt) {
    ContextView context = ToolCallReactiveContextHolder.getContext();
    if (context.hasKey(SKIPPED)) {
      return null;
    }
    Scope scope = scopeOf(context, prompt);
    if (scope != null && scope.skipped()) {
      return null;
    }
    SpanContext parent = ContextSpans.parent(context);
    if (parent != null) {
      return parent.sampled() ? new Scope(parent, ContextSpans.attributes(context)) : null;
    }
    return scope;
  }

  /**
   * The scope of a blocking call (an embedding, a similarity search) given {@code keys}: the span of the Reactor
   * Context Spring AI hands to a tool, else the scope one of the keys belongs to, else a new trace; null when the
   * caller's span is not sampled.
   */
  @Nullable Scope blockingScope(List<?> keys) {
    ContextView context = ToolCallReactiveContextHolder.getContext();
    SpanContext parent = ContextSpans.parent(context);
    if (parent != null) {
      return parent.sampled() ? new Scope(parent, ContextSpans.attributes(context)) : null;
    }
    Scope scope = scopes.find(keys);
    return scope != null ? scope : new Scope(null, ContextSpans.attributes(context));
  }

  /** The invocation a tool round belongs to, or null when the model is not traced. */
  @Nullable ChatInvocation invocationOf(Prompt prompt) {
    ContextView context = ToolCallReactiveContextHolder.getContext();
    ChatInvocation fromContext = context.getOrDefault(INVOCATION, null);
    if (fromContext != null) {
      return fromContext;
    }
    List<Message> messages = prompt.getInstructions();
    for (ChatInvocation invocation : blockingCalls) {
      if (startsWith(messages, invocation.messages())) {
        return invocation;
      }
    }
    return null;
  }

  private static boolean startsWith(List<Message> messages, List<Message> prefix) {
    if (prefix.isEmpty() || messages.size() < prefix.size()) {
      return false;
    }
    for (int i = 0; i < prefix.size(); i++) {
      if (messages.get(i) != prefix.get(i)) {
        return false;
      }
    }
    return true;
  }
}
