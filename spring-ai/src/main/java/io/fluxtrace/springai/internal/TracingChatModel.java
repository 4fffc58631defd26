package io.fluxtrace.springai.internal;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

/** A {@link ChatModel} that traces every call and stream of the model it delegates to (programmatic set-up). */
public final class TracingChatModel implements ChatModel {

  private final ChatModel delegate;
  private final ChatTracer tracer;

  public TracingChatModel(ChatModel delegate, ChatTracer tracer) {
    this.delegate = delegate;
    this.tracer = tracer;
  }

  @Override
  public ChatResponse call(Prompt prompt) {
    return tracer.call(delegate, prompt, Context.empty(), delegate::call);
  }

  @Override
  public Flux<ChatResponse> stream(Prompt prompt) {
    return tracer.stream(delegate, prompt, delegate::stream);
  }

  @Override
  public ChatOptions getDefaultOptions() {
    return delegate.getDefaultOptions();
  }

  /**
   * Spring AI 2's {@code ChatModel.getOptions()} (not in 1.1, so no {@code @Override}): the delegate's, which a
   * {@code ChatClient} builds each request's options from; without it the interface's default would hand the
   * provider generic options.
   */
  public ChatOptions getOptions() {
    return SpringAiLine.options(delegate);
  }

  @Override
  public String toString() {
    return "TracingChatModel{" + delegate + '}';
  }
}
