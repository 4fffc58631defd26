package io.fluxtrace.reactor;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Score;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.reactor.internal.ContextSpans;
import io.fluxtrace.reactor.internal.UserFunctions;
import java.util.Objects;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

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
 * <p>Scores of the current observation or trace ({@link #scoreObservation}, {@link #scoreTrace}) take their target
 * from the Context too, and the environment and release of the request's trace attributes unless they set their
 * own; scores by explicit id go straight to {@link FluxTracer#score}.
 *
 * <p>Thread-safe. With a disabled tracer every operator is the source itself and events and scores record
 * nothing.
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
    return TracedStep.create(this, name, type);
  }

  /** A point-in-time event under the current span. */
  public TracedEvent event(String name) {
    return TracedEvent.of(this, name);
  }

  /**
   * Scores the current observation, the span of the innermost traced step enclosing the subscriber, when the
   * returned {@code Mono} is subscribed:
   *
   * <pre>{@code
   * .flatMap(answer -> tracing.scoreObservation(() -> Score.numeric("groundedness", judge(answer)))
   *     .thenReturn(answer))
   * .transform(tracing.generation("answer").mono())
   * }</pre>
   *
   * <p>In a streaming step, concatenate it to the stream, upstream of the step's {@code transform}: it runs when
   * the stream completes, still inside the step, and emits nothing, so it fits a Flux of any element type:
   *
   * <pre>{@code
   * llm.stream(question)
   *     .concatWith(tracing.scoreObservation(() -> Score.bool("finished", true)))
   *     .transform(tracing.generation("answer").flux())
   * }</pre>
   *
   * <p>{@code score} supplies a builder with no target (the span sets it) on each subscription, and is not called
   * when tracing is disabled or the trace is sampled out: then nothing is recorded. Delivery is
   * {@link FluxTracer#score}'s. The {@code Mono} completes empty, or errors with the
   * {@link IllegalArgumentException} of an invalid score, or an {@link IllegalStateException} outside every traced
   * step, where there is no observation to score.
   *
   * @param <T> the element type the empty {@code Mono} pretends to have, inferred where it is used
   */
  public <T> Mono<T> scoreObservation(Supplier<Score.Builder> score) {
    return score(score, true);
  }

  /**
   * Scores the current trace (of the innermost traced step, or the remote caller's trace joined with
   * {@link TraceContext#traceparent}) when the returned {@code Mono} is subscribed; otherwise as
   * {@link #scoreObservation(Supplier)}.
   *
   * @param <T> the element type the empty {@code Mono} pretends to have, inferred where it is used
   */
  public <T> Mono<T> scoreTrace(Supplier<Score.Builder> score) {
    return score(score, false);
  }

  /**
   * Scores the current observation of {@code context} now, for code that already holds a ContextView (such as
   * {@code handle((value, sink) -> ...)} with {@code sink.contextView()}); otherwise as
   * {@link #scoreObservation(Supplier)}.
   *
   * @throws IllegalArgumentException when the score is invalid
   * @throws IllegalStateException outside every traced step
   */
  public void scoreObservation(ContextView context, Score.Builder score) {
    Objects.requireNonNull(score, "score");
    score(context, () -> score, true);
  }

  /** Scores the current trace of {@code context} now; otherwise as {@link #scoreObservation(ContextView, Score.Builder)}. */
  public void scoreTrace(ContextView context, Score.Builder score) {
    Objects.requireNonNull(score, "score");
    score(context, () -> score, false);
  }

  private <T> Mono<T> score(Supplier<Score.Builder> score, boolean observation) {
    Objects.requireNonNull(score, "score");
    if (!tracer.isEnabled()) {
      return Mono.empty();
    }
    return Mono.deferContextual(context -> {
      score(context, score, observation);
      return Mono.empty();
    });
  }

  private void score(ContextView context, Supplier<Score.Builder> score, boolean observation) {
    if (!tracer.isEnabled()) {
      return;
    }
    SpanContext target;
    if (observation) {
      Span span = ContextSpans.span(context);
      if (span == null) {
        throw new IllegalStateException("fluxtrace: no current observation to score: scoreObservation must run"
            + " inside a traced step (upstream of its transform); use scoreTrace, or Score...traceId(...)"
            + " with FluxTracer.score, to score by id");
      }
      if (!span.isRecording()) {
        return;
      }
      target = span.context();
    } else {
      target = ContextSpans.parent(context);
      if (target == null) {
        throw new IllegalStateException("fluxtrace: no current trace to score: scoreTrace must run inside a traced"
            + " step or below TraceContext.traceparent(...); use Score...traceId(...) with FluxTracer.score to"
            + " score by id");
      }
      if (!target.sampled()) {
        return;
      }
    }
    Score.Builder builder = Objects.requireNonNull(score.get(), "the score supplier returned null");
    // The request's attributes: a score of a staging request files under staging, like the request's spans.
    tracer.score(observation
        ? builder.observation(target).build()
        : builder.traceId(target.traceId()).build(), ContextSpans.attributes(context));
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
