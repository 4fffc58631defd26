package io.fluxtrace.reactor.internal;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Extracts usage or cost figures from a traced value or element: what {@code TracedStep.usage(..)} and
 * {@code TracedStep.cost(..)} are given, named once. A null or empty map means "nothing here".
 *
 * @param <T> the value or element type
 */
@FunctionalInterface
public interface FigureFunction<T> {

  /** The figures of {@code value}, by key; null or empty for none. */
  @Nullable Map<String, ? extends @Nullable Number> figuresOf(T value);
}
