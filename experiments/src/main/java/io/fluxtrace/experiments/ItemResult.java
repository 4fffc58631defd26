package io.fluxtrace.experiments;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What happened to one item.
 *
 * @param item the item
 * @param output the task's output, or null when it failed or completed empty
 * @param evaluations the valid evaluations of the item-level evaluators, each posted as a score
 * @param evaluatorFailures the evaluators that failed on this item, or whose evaluations were invalid
 * @param traceId the item's trace id
 * @param traceUrl a link to the trace in Langfuse, or null when the tracer does not export to Langfuse
 * @param error why the task failed (its exception, or a timeout), or null when it succeeded
 */
public record ItemResult(
    ExperimentItem item,
    @Nullable Object output,
    List<Evaluation> evaluations,
    List<EvaluatorFailure> evaluatorFailures,
    String traceId,
    @Nullable String traceUrl,
    @Nullable String error) {

  /** Copies the lists. */
  public ItemResult {
    Objects.requireNonNull(item, "item");
    evaluations = List.copyOf(evaluations);
    evaluatorFailures = List.copyOf(evaluatorFailures);
    Objects.requireNonNull(traceId, "traceId");
  }

  /** Whether the task failed on this item. */
  public boolean failed() {
    return error != null;
  }
}
