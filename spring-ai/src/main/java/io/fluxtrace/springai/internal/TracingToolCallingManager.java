package io.fluxtrace.springai.internal;

import java.util.List;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.ai.tool.definition.ToolDefinition;

/** A {@link ToolCallingManager} that traces each tool round of the manager it delegates to (programmatic set-up). */
public final class TracingToolCallingManager implements ToolCallingManager {

  private final ToolCallingManager delegate;
  private final ToolTracer tracer;

  public TracingToolCallingManager(ToolCallingManager delegate, ToolTracer tracer) {
    this.delegate = delegate;
    this.tracer = tracer;
  }

  @Override
  public List<ToolDefinition> resolveToolDefinitions(ToolCallingChatOptions chatOptions) {
    return delegate.resolveToolDefinitions(chatOptions);
  }

  @Override
  public ToolExecutionResult executeToolCalls(Prompt prompt, ChatResponse chatResponse) {
    return tracer.executeToolCalls(prompt, chatResponse, delegate::executeToolCalls);
  }

  @Override
  public String toString() {
    return "TracingToolCallingManager{" + delegate + '}';
  }
}
