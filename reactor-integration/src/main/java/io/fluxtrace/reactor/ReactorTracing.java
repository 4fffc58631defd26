package io.fluxtrace.reactor;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.reactor.internal.UserFunctions;
import java.util.Objects;

/**
 * Traced operators for Reactor pipelines, bound to one {@link FluxTracer}. Create one per tracer and keep it:
 *
 * <pre>{@code
 * ReactorTracing tracing = ReactorTracing.create(tracer);
 *
 * Mono<Answer> answer = retrieve(question)
 *     .flatMap(docs -> generate(question, docs))
 *     .transform(tracing.chain("rag").input(question).mono());
 * }</pre>
 *
 * <p>Each method names a step and returns a {@link TracedStep} to configure and turn into a {@code transform}
 * operator; the observation types are Langfuse's. The current span, the request's trace attributes and the remote
 * parent live in the Reactor Context only (see {@link TraceContext}): no ThreadLocal, no Reactor hook, no automatic
 * context propagation is involved, so concurrent requests never share a span whatever threads they run on.
 *
 * <p>Thread-safe. With a disabled tracer every operator is the source itself and events record nothing.
 */
public final class ReactorTracing {

  private final FluxTracer tracer;
  private final UserFunctions functions = new UserFunctions();

  private ReactorTracing(FluxTracer tracer) {
    this.tracer = tracer;
  }

  /** Traced operators that start their spans with {@code tracer}. */
  public static ReactorTracing create(FluxTracer tracer) {
    return new ReactorTracing(Objects.requireNonNull(tracer, "tracer"));
  }

  /** The tracer spans are started with. */
  public FluxTracer tracer() {
    return tracer;
  }

  /** A generic unit of work. */
  public TracedStep<Object> span(String name) {
    return observation(name, ObservationType.SPAN);
  }

  /** A call to a language model: add the model, its parameters, the prompt, usage and cost. */
  public TracedStep<Object> generation(String name) {
    return observation(name, ObservationType.GENERATION);
  }

  /** An agent deciding what to do next. */
  public TracedStep<Object> agent(String name) {
    return observation(name, ObservationType.AGENT);
  }

  /** A tool called by a model or an agent. */
  public TracedStep<Object> tool(String name) {
    return observation(name, ObservationType.TOOL);
  }

  /** A chain of steps, such as a retrieval-augmented pipeline. */
  public TracedStep<Object> chain(String name) {
    return observation(name, ObservationType.CHAIN);
  }

  /** A lookup in a document store or a vector index. */
  public TracedStep<Object> retriever(String name) {
    return observation(name, ObservationType.RETRIEVER);
  }

  /** A judgement of another step's output. */
  public TracedStep<Object> evaluator(String name) {
    return observation(name, ObservationType.EVALUATOR);
  }

  /** A call to an embedding model. */
  public TracedStep<Object> embedding(String name) {
    return observation(name, ObservationType.EMBEDDING);
  }

  /** A check that guards input or output, such as moderation or PII detection. */
  public TracedStep<Object> guardrail(String name) {
    return observation(name, ObservationType.GUARDRAIL);
  }

  /**
   * A step of any type but {@link ObservationType#EVENT}, which has no duration: use {@link #event(String)}.
   *
   * @throws IllegalArgumentException for {@code EVENT}
   */
  public TracedStep<Object> observation(String name, ObservationType type) {
    Objects.requireNonNull(type, "type");
    if (type == ObservationType.EVENT) {
      throw new IllegalArgumentException("an event has no duration and wraps no step: use event(name)");
    }
    return TracedStep.of(this, name, type);
  }

  /** A point-in-time event under the current span. */
  public TracedEvent event(String name) {
    return TracedEvent.of(this, name);
  }

  /**
   * How many times a function given to fluxtrace (input supplier, output, usage or cost function, collector) threw.
   * Each failure was replaced by a placeholder in the span and never reached the pipeline; the first was logged.
   */
  public long functionFailures() {
    return functions.failures();
  }

  UserFunctions functions() {
    return functions;
  }

  @Override
  public String toString() {
    return "ReactorTracing{enabled=" + tracer.isEnabled() + '}';
  }
}
