package io.fluxtrace.experiments.internal;

import io.fluxtrace.experiments.Evaluation;
import io.fluxtrace.experiments.EvaluationStats;
import io.fluxtrace.experiments.ItemResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The item-level evaluations of a run aggregated per name. */
final class Aggregates {

  private Aggregates() {}

  static Map<String, EvaluationStats> of(List<ItemResult> results) {
    Map<String, Accumulator> byName = new LinkedHashMap<>();
    for (ItemResult result : results) {
      for (Evaluation evaluation : result.evaluations()) {
        byName.computeIfAbsent(evaluation.name(), name -> new Accumulator()).add(evaluation);
      }
    }
    Map<String, EvaluationStats> stats = new LinkedHashMap<>();
    byName.forEach((name, acc) -> stats.put(name, acc.stats(name)));
    return stats;
  }

  private static final class Accumulator {
    private long count;
    private long numeric;
    private double sum;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private final Map<String, Long> categories = new LinkedHashMap<>();

    void add(Evaluation evaluation) {
      count++;
      Double value = evaluation.numericValue();
      if (value != null) {
        numeric++;
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
      } else {
        categories.merge(String.valueOf(evaluation.value()), 1L, Long::sum);
      }
    }

    EvaluationStats stats(String name) {
      return numeric == 0
          ? new EvaluationStats(name, count, 0, Double.NaN, Double.NaN, Double.NaN, categories)
          : new EvaluationStats(name, count, numeric, sum / numeric, min, max, categories);
    }
  }
}
