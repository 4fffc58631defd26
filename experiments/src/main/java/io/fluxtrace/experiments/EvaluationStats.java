package io.fluxtrace.experiments;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The aggregate of one evaluation name over every item. Numbers and booleans (as 1 and 0) give a mean, a minimum
 * and a maximum; categories give counts.
 *
 * @param name the evaluation name
 * @param count how many items have this evaluation
 * @param numericCount how many of them are numbers or booleans
 * @param mean the mean of the numeric ones, NaN when there are none
 * @param min the smallest numeric one, NaN when there are none
 * @param max the largest numeric one, NaN when there are none
 * @param categories how often each category was given, in first-seen order
 */
public record EvaluationStats(String name, long count, long numericCount, double mean, double min, double max,
    Map<String, Long> categories) {

  /** Copies the categories. */
  public EvaluationStats {
    Objects.requireNonNull(name, "name");
    categories = Collections.unmodifiableMap(new LinkedHashMap<>(categories));
  }
}
