package io.fluxtrace.experiments;

import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Judges the run as a whole (an average, a pass rate) once every item is done. Its evaluations are posted as
 * scores of the experiment (the dataset run). A failure is recorded as an {@link EvaluatorFailure}.
 */
@FunctionalInterface
public interface RunEvaluator {

  /** The evaluations of the run, from every item's result (failed items included). */
  Mono<List<Evaluation>> evaluate(List<ItemResult> results);
}
