package io.fluxtrace.springai.internal;

import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One traced unit of work that blocking Spring AI calls (a vector store search, an embedding, a model call or a tool
 * of a blocking {@code ChatClient} call) can find their parent in: a {@code ChatClient} call seen by
 * {@link TracingAdvisor}, or a similarity search seen by {@link RetrievalTracer}. Its parent is the caller's span
 * when there is one; else the first span started in it, so that one blocking call is one trace.
 */
final class Scope {

  /**
   * The tool-context key under which {@link TracingAdvisor} puts the scope into a request's options: Spring AI copies
   * options (and their tool context) but keeps the values, so a model call and a tool round of the request find
   * it there, whatever an advisor did to the messages. Tracing tool callbacks take it out before a tool sees it.
   */
  static final String KEY = "fluxtrace.scope";

  private final @Nullable SpanContext parent;
  private final TraceAttributes attributes;
  private final AtomicReference<@Nullable SpanContext> first = new AtomicReference<>();
  private volatile boolean skipped;

  Scope(@Nullable SpanContext parent, TraceAttributes attributes) {
    this.parent = parent;
    this.attributes = attributes;
  }

  /** The scope named in {@code options}' tool context, or null. */
  static @Nullable Scope of(@Nullable Object options) {
    if (options instanceof org.springframework.ai.model.tool.ToolCallingChatOptions tools) {
      java.util.Map<String, Object> context = tools.getToolContext();
      if (context != null && context.get(KEY) instanceof Scope scope) {
        return scope;
      }
    }
    return null;
  }

  /** The parent of the next span started in this scope; null: that span starts a trace and parents the rest. */
  @Nullable SpanContext parent() {
    return parent != null ? parent : first.get();
  }

  TraceAttributes attributes() {
    return attributes;
  }

  /** The model of this scope is skipped (settings): its tools are not traced either. */
  void skip() {
    skipped = true;
  }

  boolean skipped() {
    return skipped;
  }

  /** A span started in this scope (with {@link #parent()} as its parent). */
  void started(@Nullable SpanContext span) {
    if (parent == null && span != null) {
      first.compareAndSet(null, span);
    }
  }
}
