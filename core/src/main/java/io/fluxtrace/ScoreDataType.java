package io.fluxtrace;

/** The kind of value a {@link Score} carries, as Langfuse names it. */
public enum ScoreDataType {
  /** A finite number. */
  NUMERIC,
  /** 1 for true, 0 for false. */
  BOOLEAN,
  /** One label out of a set, such as {@code "relevant"}. */
  CATEGORICAL,
  /** Free text of 1 to {@value Score#MAX_TEXT_LENGTH} characters. */
  TEXT
}
