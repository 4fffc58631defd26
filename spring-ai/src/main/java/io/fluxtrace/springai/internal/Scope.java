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

  private final @Nullable SpanContext parent;
  private final TraceAttributes attributes;
  private final AtomicReference<@Nullable SpanContext> first = new AtomicReference<>();
  private volatile boolean skipped;

  Scope(@Nullable SpanContext parent, TraceAttributes attributes) {
    this.parent = parent;
    this.attributes = attributes;
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
