package io.fluxtrace.internal.transport;

import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/** What spans and scores do when the backend answers 413 to a request of several items: send each half alone. */
public final class Halves {

  private Halves() {}

  /**
   * Sends the first half of {@code items} (at least two), then the second, and combines their outcomes. One after
   * the other, not at once: the request that was too large takes no more connections than it had.
   */
  public static <T, R> Mono<R> send(List<T> items, Function<List<T>, Mono<R>> send, BinaryOperator<R> combine) {
    int half = items.size() / 2;
    List<T> first = List.copyOf(items.subList(0, half));
    List<T> second = List.copyOf(items.subList(half, items.size()));
    return send.apply(first).flatMap(a -> send.apply(second).map(b -> combine.apply(a, b)));
  }
}
