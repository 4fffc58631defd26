package io.fluxtrace;

import org.jspecify.annotations.Nullable;

/**
 * The one hook that sees every piece of user content before it leaves the process: span input, output,
 * metadata, status messages, trace metadata, score comments and score metadata. Use it to remove personal data
 * or secrets.
 *
 * <p>It runs when a span ends or a score is recorded, on that thread, so it must be fast and must not block. If it
 * throws, the value is replaced by {@value #FAILED_MARKER} and the failure is counted and logged once: content is
 * never sent unmasked. Returning null removes the value.
 */
@FunctionalInterface
public interface ContentMasker {

  /** What replaces a value when the masker throws. */
  String FAILED_MARKER = "<fluxtrace: masked, the masking hook failed>";

  /**
   * Returns the value to send instead of {@code value}: the same object, a masked copy, or null to drop it.
   *
   * @param kind which piece of content this is
   * @param value the content as the application passed it; never null
   */
  @Nullable Object mask(ContentKind kind, Object value);

  /** A masker that sends everything as is. */
  static ContentMasker none() {
    return (kind, value) -> value;
  }
}
