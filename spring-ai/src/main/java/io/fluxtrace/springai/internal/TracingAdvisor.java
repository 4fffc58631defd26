package io.fluxtrace.springai.internal;

import io.fluxtrace.SpanContext;
import io.fluxtrace.reactor.internal.ContextSpans;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.context.Context;

/**
 * The {@code ChatClient} advisor, first in the chain: it opens the {@link Scope} of one {@code ChatClient} call, in
 * which what the rest of the chain does finds its parent, and wraps the request's tools so that they are traced
 * wherever the tool loop runs.
 *
 * <p>Why an advisor as well as the model interceptor: on Spring AI 2 the tool loop runs in the {@code ChatClient}'s
 * {@code ToolCallingAdvisor}, outside the model, so the model sees each round as a call of its own, and a blocking
 * call has no Reactor Context to tie them together; the RAG advisors ({@code QuestionAnswerAdvisor},
 * {@code RetrievalAugmentationAdvisor}) search the vector store in a blocking step with no Context either. The scope
 * is found by the identity of the request's messages and user text, which Spring AI hands on unchanged, and (for a
 * stream) in the Reactor Context. It records no span of its own: generations stay one per model call.
 */
public final class TracingAdvisor implements CallAdvisor, StreamAdvisor {

  private static final Logger log = Loggers.getLogger(TracingAdvisor.class);

  private final Supplier<@Nullable ChatTracer> chats;
  private final Supplier<@Nullable ToolTracer> tools;

  public TracingAdvisor(Supplier<@Nullable ChatTracer> chats, Supplier<@Nullable ToolTracer> tools) {
    this.chats = chats;
    this.tools = tools;
  }

  @Override
  public String getName() {
    return "fluxtrace";
  }

  @Override
  public int getOrder() {
    // Outside every other advisor: the scope covers the RAG advisors and the tool loop.
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
    ChatTracer chat = chats.get();
    if (chat == null || !chat.tracer().isEnabled()) {
      return chain.nextCall(request);
    }
    Scope scope = new Scope(null, ContextSpans.attributes(Context.empty()));
    AutoCloseable handle = null;
    ChatClientRequest traced = request;
    try {
      traced = withTracedTools(request, scope);
      handle = chat.scopes().open(scope, keys(request.prompt()));
    } catch (RuntimeException | LinkageError e) {
      log.warn("fluxtrace: could not open the scope of a ChatClient call; it goes on untraced", e);
    }
    try {
      return chain.nextCall(traced);
    } finally {
      Scopes.close(handle);
    }
  }

  @Override
  public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
    ChatTracer chat = chats.get();
    if (chat == null || !chat.tracer().isEnabled()) {
      return chain.nextStream(request);
    }
    return Flux.deferContextual(context -> {
      SpanContext parent = ContextSpans.parent(context);
      if (parent != null && !parent.sampled()) {
        return chain.nextStream(request);
      }
      Scope scope = new Scope(parent, ContextSpans.attributes(context));
      AutoCloseable handle;
      ChatClientRequest traced;
      try {
        traced = withTracedTools(request, scope);
        handle = chat.scopes().open(scope, keys(request.prompt()));
      } catch (RuntimeException | LinkageError e) {
        log.warn("fluxtrace: could not open the scope of a ChatClient stream; it goes on untraced", e);
        return chain.nextStream(request);
      }
      return chain.nextStream(traced)
          .contextWrite(c -> c.put(ChatTracer.SCOPE, scope))
          .doFinally(signal -> Scopes.close(handle));
    });
  }

  private ChatClientRequest withTracedTools(ChatClientRequest request, Scope scope) {
    ToolTracer tracer = tools.get();
    Prompt prompt = request.prompt();
    if (tracer == null || !(prompt.getOptions() instanceof ToolCallingChatOptions options)) {
      return request;
    }
    ToolCallingChatOptions copy = tracer.withTracedTools(options, scope, true);
    return copy == null ? request : request.mutate().prompt(new Prompt(prompt.getInstructions(), copy)).build();
  }

  /** The request's messages, and its user texts: what a model, a tool-calling manager or a retriever is given. */
  private static List<Object> keys(Prompt prompt) {
    List<Message> messages = prompt.getInstructions();
    List<Object> keys = new ArrayList<>(messages.size() * 2);
    for (Message message : messages) {
      keys.add(message);
      // Only user texts: a system text is often one shared String instance for every request.
      if (message instanceof UserMessage user && user.getText() != null && !user.getText().isEmpty()) {
        keys.add(user.getText());
      }
    }
    return keys;
  }

  @Override
  public String toString() {
    return "TracingAdvisor";
  }
}
