package io.fluxtrace.experiments;

import io.fluxtrace.FlushResult;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a run, available once every span and score of the run has been delivered or has definitively
 * failed ({@link #delivery()} says which).
 *
 * @param experimentId the experiment id ({@code langfuse.experiment.id}); run-level scores name it as their
 *     dataset run
 * @param runName the run's name ({@code langfuse.experiment.name})
 * @param datasetId the Langfuse dataset's id, or null for items from code
 * @param items every item's result, in the order the items came
 * @param runEvaluations the valid evaluations of the run-level evaluators, posted as scores of the run
 * @param runEvaluatorFailures the run-level evaluators that failed or returned invalid evaluations
 * @param aggregates the item-level evaluations aggregated per name, in first-seen order
 * @param duration from the start of the run until everything was delivered
 * @param delivery the tracer's flush at the end of the run: {@link FlushResult#completed()} is true when every
 *     span and score of the run was acknowledged or definitively failed; its counts are the tracer's totals
 */
public record ExperimentResult(
    String experimentId,
    String runName,
    @Nullable String datasetId,
    List<ItemResult> items,
    List<Evaluation> runEvaluations,
    List<EvaluatorFailure> runEvaluatorFailures,
    Map<String, EvaluationStats> aggregates,
    Duration duration,
    FlushResult delivery) {

  /** Copies the collections. */
  public ExperimentResult {
    Objects.requireNonNull(experimentId, "experimentId");
    Objects.requireNonNull(runName, "runName");
    items = List.copyOf(items);
    runEvaluations = List.copyOf(runEvaluations);
    runEvaluatorFailures = List.copyOf(runEvaluatorFailures);
    aggregates = Collections.unmodifiableMap(new LinkedHashMap<>(aggregates));
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(delivery, "delivery");
  }

  /** How many items failed (their task threw, errored or timed out). */
  public long errors() {
    return items.stream().filter(ItemResult::failed).count();
  }

  /** How many evaluator failures there were, item-level and run-level. */
  public long evaluatorFailures() {
    return items.stream().mapToLong(item -> item.evaluatorFailures().size()).sum() + runEvaluatorFailures.size();
  }

  /**
   * A plain-text summary: the run, one row per evaluation name (count, mean, min, max, or category counts), the
   * run-level evaluations, the failures and the delivery. For a console or a log; the library never prints it.
   */
  public String summaryTable() {
    StringBuilder out = new StringBuilder(512);
    out.append(String.format(Locale.ROOT, "Experiment '%s' (id %s%s): %d items, %d failed, %d evaluator failures,"
            + " %.1f s%n", runName, experimentId, datasetId != null ? ", dataset " + datasetId : "", items.size(),
        errors(), evaluatorFailures(), duration.toMillis() / 1000.0));
    int width = "evaluation".length();
    for (String name : aggregates.keySet()) {
      width = Math.max(width, name.length());
    }
    String row = "%-" + width + "s  %7s  %8s  %8s  %8s%n";
    out.append(String.format(Locale.ROOT, row, "evaluation", "count", "mean", "min", "max"));
    for (EvaluationStats stats : aggregates.values()) {
      if (stats.numericCount() > 0) {
        out.append(String.format(Locale.ROOT, row, stats.name(), stats.count(), number(stats.mean()),
            number(stats.min()), number(stats.max())));
      }
      if (!stats.categories().isEmpty()) {
        StringBuilder counts = new StringBuilder();
        stats.categories().forEach((category, n) -> counts.append(counts.length() == 0 ? "" : " ")
            .append(category).append('=').append(n));
        out.append(String.format(Locale.ROOT, "%-" + width + "s  %7d  %s%n", stats.name(), stats.count(), counts));
      }
    }
    for (Evaluation evaluation : runEvaluations) {
      out.append("run: ").append(evaluation.name()).append(" = ").append(evaluation.value()).append(
          System.lineSeparator());
    }
    for (EvaluatorFailure failure : runEvaluatorFailures) {
      out.append("run evaluator '").append(failure.evaluator()).append("' failed: ").append(failure.message())
          .append(System.lineSeparator());
    }
    out.append(String.format(Locale.ROOT, "delivery: %s (tracer totals: %d spans exported, %d failed, %d dropped;"
            + " %d scores exported, %d failed, %d dropped)%n",
        delivery.completed() ? "complete" : "INCOMPLETE", delivery.exported(), delivery.failed(),
        delivery.dropped(), delivery.stats().scores().exported(), delivery.stats().scores().failed(),
        delivery.stats().scores().dropped()));
    return out.toString();
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }
}
