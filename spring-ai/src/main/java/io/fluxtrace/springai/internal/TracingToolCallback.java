package io.fluxtrace.springai.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
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
  private final SpanContext parent;
  private final TraceAttributes attributes;

  TracingToolCallback(
      ToolCallback delegate, FluxTracer tracer, Settings settings, SpanContext parent, TraceAttributes attributes) {
    this.delegate = delegate;
    this.tracer = tracer;
    this.settings = settings;
    this.parent = parent;
    this.attributes = attributes;
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
      result = withContext ? delegate.call(toolInput, toolContext) : delegate.call(toolInput);
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

  private Span start(String toolInput) {
    try {
      Span span = tracer.startSpan(delegate.getToolDefinition().name(), ObservationType.TOOL, parent, attributes);
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
