package io.fluxtrace.reactor.internal;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/**
 * A Mono traced as one span per subscription.
 *
 * <p>Internal: no compatibility promise.
 *
 * @param <T> the value type
 */
public final class TracedMono<T> extends MonoOperator<T, T> {

  private final StepConfig<T> config;

  private TracedMono(Mono<? extends T> source, StepConfig<T> config) {
    super(source);
    this.config = config;
  }

  /** Wraps {@code source}, going through Reactor's assembly hooks like every built-in operator. */
  public static <T> Mono<T> create(Mono<? extends T> source, StepConfig<T> config) {
    return onAssembly(new TracedMono<>(source, config));
  }

  @Override
  public void subscribe(CoreSubscriber<? super T> actual) {
    source.subscribe(TracingSubscriber.wrap(actual, config, true));
  }
}
