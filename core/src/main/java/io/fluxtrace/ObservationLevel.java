package io.fluxtrace;

/** The severity of an observation ({@code langfuse.observation.level}). */
public enum ObservationLevel {
  /** Verbose detail. */
  DEBUG,
  /** The normal level. */
  DEFAULT,
  /** Something worth a look, for example a cancelled step. */
  WARNING,
  /** The step failed. */
  ERROR
}
