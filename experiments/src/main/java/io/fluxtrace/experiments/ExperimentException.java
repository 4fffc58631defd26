package io.fluxtrace.experiments;

import org.jspecify.annotations.Nullable;

/**
 * A run that could not read its items: an unknown dataset, keys Langfuse refuses, a page of items that failed to
 * load, a {@code Flux} of items that errored. When some items had already run, their results (traced, scored and
 * delivered like any other) are in {@link #partialResult()}: nothing that ran is lost silently.
 */
public final class ExperimentException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient @Nullable ExperimentResult partialResult;

  /** An error before any item ran. */
  public ExperimentException(String message, @Nullable Throwable cause) {
    this(message, cause, null);
  }

  /** An error after some items ran, with what they gave. */
  public ExperimentException(String message, @Nullable Throwable cause, @Nullable ExperimentResult partialResult) {
    super(message, cause);
    this.partialResult = partialResult;
  }

  /** The results of the items that ran before the error, delivered like any other; null when none ran. */
  public @Nullable ExperimentResult partialResult() {
    return partialResult;
  }
}
