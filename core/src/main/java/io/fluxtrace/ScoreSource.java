package io.fluxtrace;

/** Where a score comes from, as Langfuse files it ({@code source} of a score). */
public enum ScoreSource {
  /** Recorded by application code through the API: the default. */
  API,
  /** Produced by an evaluator, such as an LLM judge run by an experiment. */
  EVAL,
  /** Given by a person, for example while working through an annotation queue. */
  ANNOTATION
}
