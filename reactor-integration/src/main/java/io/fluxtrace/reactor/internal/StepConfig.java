package io.fluxtrace.reactor.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import java.util.function.Function;
import java.util.stream.Collector;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Everything a traced operator needs, fixed at assembly time. It is also the {@code transform} function of a Mono
 * step ({@link #apply}), so that assembling a step per request makes no separate function object.
 *
 * <p>Internal: no compatibility promise.
 *
 * @param <T> the element type
 * @param tracer starts the spans
 * @param functions accounts for failures of the user's functions
 * @param name the observation name
 * @param type the observation type
 * @param input the input given as a value, or null (an input supplier lives in {@code setup})
 * @param setup what else is set on the span when it starts
 * @param usage extracts usage figures from a value or an element, or null
 * @param cost extracts cost figures from a value or an element, or null
 * @param output a Mono's output from its value, or null for none
 * @param collector a Flux's output aggregated from its elements, or null for none
 */
public record StepConfig<T>(
    FluxTracer tracer,
    UserFunctions functions,
    String name,
    ObservationType type,
    @Nullable Object input,
    SpanSetup setup,
    @Nullable FigureFunction<? super T> usage,
    @Nullable FigureFunction<? super T> cost,
    @Nullable Function<? super T, ?> output,
    @Nullable Collector<? super T, ?, ?> collector) implements Function<Mono<T>, Mono<T>> {

  /** Traces {@code source} as a Mono step. */
  @Override
  public Mono<T> apply(Mono<T> source) {
    return TracedMono.create(source, this);
  }

  /** Whether a Flux step looks at its elements at all; a plain step lets them pass untouched. */
  boolean observesElements() {
    return usage != null || cost != null || collector != null || type == ObservationType.GENERATION;
  }
}
