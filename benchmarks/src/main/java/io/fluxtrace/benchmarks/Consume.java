package io.fluxtrace.benchmarks;

import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.infra.Blackhole;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Subscribes and hands every signal to JMH's {@link Blackhole}: the lightest subscriber there is, the same for
 * every variant, so that the variants differ only by what they trace. The benchmarked pipelines are synchronous,
 * so a subscription has run to its end when {@code subscribe} returns; an error fails the benchmark.
 */
final class Consume<T> implements CoreSubscriber<T> {

  private final Blackhole blackhole;
  private boolean done;
  private @Nullable Throwable error;

  private Consume(Blackhole blackhole) {
    this.blackhole = blackhole;
  }

  /** Runs {@code mono} to its end on this thread. */
  static <T> void mono(Mono<T> mono, Blackhole blackhole) {
    Consume<T> consumer = new Consume<>(blackhole);
    mono.subscribe(consumer);
    consumer.check();
  }

  /** Runs {@code flux} to its end on this thread. */
  static <T> void flux(Flux<T> flux, Blackhole blackhole) {
    Consume<T> consumer = new Consume<>(blackhole);
    flux.subscribe(consumer);
    consumer.check();
  }

  private void check() {
    if (error != null) {
      throw new IllegalStateException("the benchmarked pipeline failed", error);
    }
    if (!done) {
      throw new IllegalStateException("the benchmarked pipeline did not complete synchronously");
    }
  }

  @Override
  public void onSubscribe(Subscription s) {
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(T t) {
    blackhole.consume(t);
  }

  @Override
  public void onError(Throwable t) {
    error = t;
  }

  @Override
  public void onComplete() {
    done = true;
  }
}
