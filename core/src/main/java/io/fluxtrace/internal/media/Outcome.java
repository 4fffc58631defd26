package io.fluxtrace.internal.media;

import io.fluxtrace.FailureReason;
import org.jspecify.annotations.Nullable;

/**
 * How one upload ended.
 *
 * @param mediaId the id Langfuse gave the media, or null when it failed
 * @param deduplicated whether Langfuse already had the bytes, so nothing was uploaded
 * @param failure why it failed, or null
 * @param detail what failed, for the log; never the content
 */
record Outcome(@Nullable String mediaId, boolean deduplicated, @Nullable FailureReason failure, String detail) {

  static Outcome uploaded(String mediaId) {
    return new Outcome(mediaId, false, null, "uploaded");
  }

  static Outcome deduplicated(String mediaId) {
    return new Outcome(mediaId, true, null, "already stored");
  }

  static Outcome failed(FailureReason reason, String detail) {
    return new Outcome(null, false, reason, detail);
  }
}
