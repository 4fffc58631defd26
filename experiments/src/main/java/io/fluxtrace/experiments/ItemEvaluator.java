package io.fluxtrace.experiments;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Judges one item's output. Runs in the item's trace under its own evaluator span, so an LLM judge built from
 * traced operators shows up there too. A failure (a thrown exception, an error signal, a timeout) is recorded as an
 * {@link EvaluatorFailure} and never aborts the run; an empty Mono means no evaluations.
 */
@FunctionalInterface
public interface ItemEvaluator {

  /**
   * The evaluations of one output.
   *
   * @param input the item's input
   * @param output what the task produced (null when its Mono completed empty)
   * @param expectedOutput the item's expected output, or null
   * @param metadata the item's metadata
   */
  Mono<List<Evaluation>> evaluate(@Nullable Object input, @Nullable Object output, @Nullable Object expectedOutput,
      Map<String, @Nullable Object> metadata);
}
