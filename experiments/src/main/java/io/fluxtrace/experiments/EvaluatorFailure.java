package io.fluxtrace.experiments;

import java.util.Objects;

/**
 * An evaluator that failed (threw, errored, timed out) or returned an evaluation Langfuse would refuse (a NaN, a
 * blank category). It is recorded here and never aborts the run.
 *
 * @param evaluator the evaluator's name
 * @param message what went wrong
 */
public record EvaluatorFailure(String evaluator, String message) {

  /** Checks the fields. */
  public EvaluatorFailure {
    Objects.requireNonNull(evaluator, "evaluator");
    Objects.requireNonNull(message, "message");
  }
}
