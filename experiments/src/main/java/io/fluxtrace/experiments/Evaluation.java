package io.fluxtrace.experiments;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One judgement of an evaluator, posted to Langfuse as a score: on the item's trace for an item-level
 * evaluator, on the experiment (dataset run) for a run-level one. The value decides the score's type: a number is
 * NUMERIC, a boolean BOOLEAN, a string CATEGORICAL.
 *
 * <p>Nothing is validated here, so an evaluator can never fail by building one: the runner checks each evaluation
 * by Langfuse's score rules (a finite number, a category that is not blank, a valid name) and records one that
 * breaks them as an {@link EvaluatorFailure} instead of posting it.
 *
 * @param name the score name
 * @param value a {@link Number}, a {@link Boolean} or a {@link String}
 * @param comment a comment, such as a judge's reasoning, or null
 * @param metadata the score metadata; never null
 */
public record Evaluation(String name, Object value, @Nullable String comment, Map<String, @Nullable Object> metadata) {

  /** Copies the metadata. */
  public Evaluation {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    metadata = Objects.requireNonNull(metadata, "metadata").isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** A numeric evaluation, such as an accuracy between 0 and 1. */
  public static Evaluation numeric(String name, double value) {
    return new Evaluation(name, value, null, Map.of());
  }

  /** A boolean evaluation, such as "exact match". */
  public static Evaluation bool(String name, boolean value) {
    return new Evaluation(name, value, null, Map.of());
  }

  /** A categorical evaluation, such as a judge's verdict. */
  public static Evaluation categorical(String name, String value) {
    return new Evaluation(name, value, null, Map.of());
  }

  /** This evaluation with a comment. */
  public Evaluation withComment(@Nullable String comment) {
    return new Evaluation(name, value, comment, metadata);
  }

  /** The value as a number: the number itself, 1 or 0 for a boolean, null for a category. */
  public @Nullable Double numericValue() {
    if (value instanceof Number number) {
      return number.doubleValue();
    }
    if (value instanceof Boolean bool) {
      return bool ? 1.0 : 0.0;
    }
    return null;
  }
}
