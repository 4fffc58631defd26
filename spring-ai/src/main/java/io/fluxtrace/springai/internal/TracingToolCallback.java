package io.fluxtrace.springai.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.metadata.ToolMetadata;

/**
 * One tool of one tool round, run inside a {@code tool} span under the given parent: name, arguments, result, and
 * the exception (level ERROR) when the tool throws; the exception still reaches Spring AI unchanged, which decides
 * what the model hears about it.
 */
final class TracingToolCallback implements ToolCallback {

  private final ToolCallback delegate;
  private final FluxTracer tracer;
  private final Settings settings;
  private final Scope scope;

  /**
   * The tool's span goes under {@code scope}'s parent, asked when the tool runs (a blocking call's first generation
   * may start only after the callbacks were wrapped); a skipped model's tools are not traced.
   */
  TracingToolCallback(ToolCallback delegate, FluxTracer tracer, Settings settings, Scope scope) {
    this.delegate = unwrap(delegate);
    this.tracer = tracer;
    this.settings = settings;
    this.scope = scope;
  }

  /** The application's callback under any tracing wrapper, so that a tool is never traced twice. */
  static ToolCallback unwrap(ToolCallback callback) {
    return callback instanceof TracingToolCallback traced ? traced.delegate : callback;
  }

  @Override
  public ToolDefinition getToolDefinition() {
    return delegate.getToolDefinition();
  }

  @Override
  public ToolMetadata getToolMetadata() {
    return delegate.getToolMetadata();
  }

  @Override
  public String call(String toolInput) {
    return traced(toolInput, null, false);
  }

  @Override
  public String call(String toolInput, @Nullable ToolContext toolContext) {
    return traced(toolInput, toolContext, true);
  }

  private String traced(String toolInput, @Nullable ToolContext toolContext, boolean withContext) {
    Span span = start(toolInput);
    String result;
    try {
      result = withContext ? delegate.call(toolInput, withoutScope(toolContext)) : delegate.call(toolInput);
    } catch (RuntimeException | Error e) {
      span.endWithError(e);
      throw e;
    }
    if (settings.captureContent() && span.isRecording()) {
      span.output(SpringAiValues.json(result));
    }
    span.end();
    return result;
  }

  /** The tool context without fluxtrace's scope, which is none of the tool's business. */
  private static @Nullable ToolContext withoutScope(@Nullable ToolContext toolContext) {
    if (toolContext == null || !toolContext.getContext().containsKey(Scope.KEY)) {
      return toolContext;
    }
    java.util.Map<String, Object> context = new java.util.HashMap<>(toolContext.getContext());
    context.remove(Scope.KEY);
    return new ToolContext(context);
  }

  private Span start(String toolInput) {
    try {
      if (scope.skipped()) {
        return Span.noop();
      }
      SpanContext parent = scope.parent();
      Span span = tracer.startSpan(delegate.getToolDefinition().name(), ObservationType.TOOL, parent,
          scope.attributes());
      scope.started(span.context());
      if (span.isRecording()) {
        if (settings.captureContent()) {
          span.input(SpringAiValues.json(toolInput));
        }
        String description = delegate.getToolDefinition().description();
        if (description != null && !description.isEmpty()) {
          span.metadata("description", description);
        }
        if (delegate.getToolMetadata().returnDirect()) {
          span.metadata("returnDirect", true);
        }
      }
      return span;
    } catch (RuntimeException e) {
      return Span.noop();
    }
  }

  @Override
  public String toString() {
    return "TracingToolCallback{" + delegate + '}';
  }
}
