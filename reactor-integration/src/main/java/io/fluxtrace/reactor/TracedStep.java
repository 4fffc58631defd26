package io.fluxtrace.reactor;

import io.fluxtrace.ObservationType;
import io.fluxtrace.reactor.internal.FigureFunction;
import io.fluxtrace.reactor.internal.SpanSetup;
import io.fluxtrace.reactor.internal.StepConfig;
import io.fluxtrace.reactor.internal.TracedFlux;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collector;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A pipeline step to trace, configured fluently and turned into an operator for {@code transform}:
 *
 * <pre>{@code
 * Mono<List<Doc>> docs = search(query)
 *     .transform(tracing.retriever("search").input(query).mono());
 * }</pre>
 *
 * <p><b>One span per subscription.</b> The operator starts its span when it is subscribed to, as a child of the
 * span in the subscriber's Context (or of the remote parent written by
 * {@link TraceContext#traceparent(String)}, or as the root of a new trace), and writes it into the Context of
 * everything upstream: steps inside this one see it as their parent, on whatever thread they run. It ends the span
 * exactly once: on the value of a Mono, or on complete, error (level ERROR, with the exception's class and message)
 * or cancel (level WARNING, for example by {@code take}, {@code timeout} or a client that went away). A retry or a
 * repeat subscribes again, so each attempt is a span of its own, and a failed attempt shows as an ERROR span next
 * to the one that succeeded.
 *
 * <p><b>Unchanged signals.</b> Values, errors (the same exception instance), completion and cancellation pass
 * through unchanged, in order, on the thread they arrived on; the user's Context keys stay visible upstream. The
 * user's functions given here (input supplier, output, usage, cost, collector) run on the signal's thread; if one
 * throws, a placeholder is recorded instead, the failure is counted in {@link ReactorTracing#functionFailures()},
 * and the pipeline goes on as if nothing happened.
 *
 * <p><b>Cost.</b> With tracing disabled the operator is the source itself. When the trace is sampled out, no span is
 * created, the input supplier is not called and the elements are not looked at.
 *
 * <p>Immutable and thread-safe: each setter returns a new step, so a configured step can be kept in a field and
 * used by many pipelines. Setters that take a function narrow the element type to what the function accepts: give
 * them a method reference ({@code ChatResponse::usage}), or name the element type once with {@link #of(Class)} and
 * use plain lambdas after it ({@code .of(ChatResponse.class).usage(r -> r.usage())}).
 *
 * @param <T> the element type the step's functions accept so far
 */
public final class TracedStep<T> {

  private final ReactorTracing tracing;
  private final String name;
  private final ObservationType type;
  private final SpanSetup setup;
  /**
   * The input given as a value, kept beside {@link #setup} (whose input is then empty) because it is the one
   * setting most steps have: a step assembled per request then copies no setup for it.
   */
  private final @Nullable Object input;
  private final @Nullable FigureFunction<? super T> usage;
  private final @Nullable FigureFunction<? super T> cost;

  private TracedStep(
      ReactorTracing tracing,
      String name,
      ObservationType type,
      SpanSetup setup,
      @Nullable Object input,
      @Nullable FigureFunction<? super T> usage,
      @Nullable FigureFunction<? super T> cost) {
    this.tracing = tracing;
    this.name = name;
    this.type = type;
    this.setup = setup;
    this.input = input;
    this.usage = usage;
    this.cost = cost;
  }

  static TracedStep<Object> create(ReactorTracing tracing, String name, ObservationType type) {
    return new TracedStep<>(tracing, name, type, SpanSetup.EMPTY, null, null, null);
  }

  private TracedStep<T> with(SpanSetup newSetup) {
    return new TracedStep<>(tracing, name, type, newSetup, input, usage, cost);
  }

  /**
   * Names the element type (a Mono's value, a Flux's elements), so that the lambdas given to {@link #usage},
   * {@link #cost}, {@link #mono(Function)} and {@link #flux(Collector)} after it need no type on their parameter:
   *
   * <pre>{@code
   * .transform(tracing.generation("answer")
   *     .of(ChatChunk.class)
   *     .usage(chunk -> chunk.usage())
   *     .flux(Collectors.mapping(ChatChunk::text, Collectors.joining())))
   * }</pre>
   *
   * <p>Records nothing; without it, a method reference or a lambda with a typed parameter does the same.
   *
   * @param <R> the element type
   * @param elementType the element type's class
   */
  public <R extends T> TracedStep<R> of(Class<R> elementType) {
    Objects.requireNonNull(elementType, "elementType");
    return new TracedStep<R>(tracing, name, this.type, setup, input, usage, cost);
  }

  /** The input, recorded when the span starts. */
  public TracedStep<T> input(@Nullable Object input) {
    if (!tracing.tracer().isEnabled()) {
      return this; // records nothing: a disabled step assembled per request stays as cheap as no step
    }
    // Replaces an input supplier, which only the setup holds.
    SpanSetup s = setup.inputSupplier() == null ? setup : setup.withInput(null);
    return new TracedStep<>(tracing, name, type, s, input, usage, cost);
  }

  /**
   * The input, computed when the span starts, on the subscribing thread. Not called when tracing is disabled or
   * the trace is sampled out, so building an expensive input costs nothing then. Null records no input.
   */
  public TracedStep<T> input(@Nullable Supplier<?> input) {
    if (!tracing.tracer().isEnabled()) {
      return this; // never called when disabled, so nothing to keep
    }
    SpanSetup s = input == null ? setup.withInput(null) : setup.withInputSupplier(input);
    return new TracedStep<>(tracing, name, type, s, null, usage, cost); // replaces an input value
  }

  /** One metadata entry of the span; a null value removes it. Add entries that depend on the result in the step. */
  public TracedStep<T> metadata(String key, @Nullable Object value) {
    return with(setup.withMetadata(key, value));
  }

  /** The model name (generations and embeddings). */
  public TracedStep<T> model(@Nullable String model) {
    return with(setup.withModel(model));
  }

  /** One model parameter, such as {@code temperature}; a null value removes it. */
  public TracedStep<T> modelParameter(String name, @Nullable Object value) {
    return with(setup.withModelParameter(name, value));
  }

  /** Several model parameters. */
  public TracedStep<T> modelParameters(Map<String, ?> parameters) {
    SpanSetup s = setup;
    for (Map.Entry<String, ?> e : Objects.requireNonNull(parameters, "parameters").entrySet()) {
      s = s.withModelParameter(e.getKey(), e.getValue());
    }
    return with(s);
  }

  /** The Langfuse prompt that produced this generation, linked by name and version. */
  public TracedStep<T> prompt(String name, int version) {
    return with(setup.withPrompt(name, version));
  }

  /**
   * Extracts usage figures (for example {@code input}, {@code output}, {@code total} tokens) from the value of a
   * Mono, or from every element of a Flux. A null or empty map means "none here".
   *
   * <p>How the figures of several elements combine: <b>per key, the last positive value wins</b>. A zero never
   * erases a positive value an earlier element reported for the same key, and figures are never added up. So the
   * function may return what each chunk says, whatever the provider's habit: usage in the last chunk only,
   * cumulative usage repeated on every chunk (OpenAI through Spring AI), or input in the first chunk and output in
   * the last with zeros in between (Anthropic). {@code {input=5}}, then {@code {input=0, output=0}}, then
   * {@code {output=3}} records input 5 and output 3. A provider that sends per-chunk increments needs a function
   * that adds them up. A key that is never positive records its last value. Langfuse accepts non-negative integers
   * only; other values are dropped and counted.
   *
   * @param <R> the element type, narrowed to what the function accepts
   */
  public <R extends T> TracedStep<R> usage(
      Function<? super R, ? extends @Nullable Map<String, ? extends @Nullable Number>> usage) {
    FigureFunction<R> figures = Objects.requireNonNull(usage, "usage")::apply;
    return new TracedStep<R>(tracing, name, type, setup, input, figures, cost);
  }

  /**
   * Extracts cost figures in USD (for example {@code input}, {@code output}, {@code total}) from the value of a
   * Mono, or from every element of a Flux, combined as {@link #usage}'s: per key, the last positive value wins.
   * Without it, Langfuse infers cost from the model and usage when it knows the model's price.
   *
   * @param <R> the element type, narrowed to what the function accepts
   */
  public <R extends T> TracedStep<R> cost(
      Function<? super R, ? extends @Nullable Map<String, ? extends @Nullable Number>> cost) {
    FigureFunction<R> figures = Objects.requireNonNull(cost, "cost")::apply;
    return new TracedStep<R>(tracing, name, type, setup, input, usage, figures);
  }

  /** Traces a Mono whose value is the output. */
  public <R extends T> Function<Mono<R>, Mono<R>> mono() {
    return mono(value -> value);
  }

  /**
   * Traces a Mono; {@code output} turns its value into the recorded output. A null output records none, which
   * keeps an output set inside the step through {@link TraceContext#currentSpan()}.
   */
  public <R extends T> Function<Mono<R>, Mono<R>> mono(Function<? super R, ?> output) {
    Objects.requireNonNull(output, "output");
    if (!tracing.tracer().isEnabled()) {
      return source -> source;
    }
    return config(output, null); // the config is the operator: one object fewer per assembly
  }

  /** Traces a Flux without recording an output; use {@link #flux(Collector)} to record one. */
  public <R extends T> Function<Flux<R>, Flux<R>> flux() {
    return traceFlux(null);
  }

  /**
   * Traces a Flux whose output is its elements reduced by {@code output}, such as
   * {@code Collectors.mapping(Chunk::text, Collectors.joining())} for a streaming answer or
   * {@code Collectors.toList()}. On error or cancel the output is what arrived so far.
   *
   * <p>For a generation, the time of the first element is recorded as the completion start (time to first token).
   */
  public <R extends T> Function<Flux<R>, Flux<R>> flux(Collector<? super R, ?, ?> output) {
    return traceFlux(Objects.requireNonNull(output, "output"));
  }

  private <R extends T> Function<Flux<R>, Flux<R>> traceFlux(@Nullable Collector<? super R, ?, ?> output) {
    if (!tracing.tracer().isEnabled()) {
      return source -> source;
    }
    StepConfig<R> config = config(null, output);
    return source -> TracedFlux.create(source, config);
  }

  private <R extends T> StepConfig<R> config(
      @Nullable Function<? super R, ?> output, @Nullable Collector<? super R, ?, ?> collector) {
    return new StepConfig<R>(
        tracing.tracer(), tracing.functions(), name, type, input, setup, usage, cost, output, collector);
  }

  @Override
  public String toString() {
    return "TracedStep{" + type.wireName() + " '" + name + "'}";
  }
}
