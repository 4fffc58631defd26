package io.fluxtrace;

/** Which piece of user content a {@link ContentMasker} is looking at. */
public enum ContentKind {
  /** A span's input. */
  INPUT,
  /** A span's output. */
  OUTPUT,
  /** One value of a span's metadata. */
  METADATA,
  /** A span's status message, which often quotes an exception message. */
  STATUS_MESSAGE,
  /** One value of the trace metadata. */
  TRACE_METADATA,
  /** A score's comment. */
  SCORE_COMMENT,
  /** One value of a score's metadata. */
  SCORE_METADATA
}
