package io.fluxtrace.reactor.internal;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;

/**
 * A Flux traced as one span per subscription.
 *
 * <p>Internal: no compatibility promise.
 *
 * @param <T> the element type
 */
public final class TracedFlux<T> extends FluxOperator<T, T> {

  private final StepConfig<T> config;

  private TracedFlux(Flux<? extends T> source, StepConfig<T> config) {
    super(source);
    this.config = config;
  }

  /** Wraps {@code source}, going through Reactor's assembly hooks like every built-in operator. */
  public static <T> Flux<T> create(Flux<? extends T> source, StepConfig<T> config) {
    return onAssembly(new TracedFlux<>(source, config));
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    source.subscribe(TracingSubscriber.wrap(actual, config, false));
  }
}
