package io.fluxtrace;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of the media found in span content and uploaded to Langfuse (see {@link Media}). Each piece of media
 * found ends in exactly one of: uploaded, deduplicated (Langfuse already had the same bytes), dropped because the
 * media bound was full, or failed (by reason); until then it is queued. Media that was not uploaded is replaced in
 * the span by a visible placeholder, never by a reference to nothing.
 *
 * @param uploaded media whose bytes were uploaded and confirmed to Langfuse
 * @param deduplicated media Langfuse already held (the same SHA-256), linked to the span without an upload
 * @param droppedQueueFull media refused because the uploads held their maximum count or bytes, or because a
 *     single piece was larger than that maximum
 * @param failedByReason media whose upload definitively failed, by reason
 * @param retries upload requests that were retries
 * @param queued media waiting for or in upload now
 * @param queuedBytes bytes of the media waiting for or in upload now
 */
public record MediaStats(
    long uploaded,
    long deduplicated,
    long droppedQueueFull,
    Map<FailureReason, Long> failedByReason,
    long retries,
    long queued,
    long queuedBytes) {

  /** No media at all. */
  public static final MediaStats EMPTY = new MediaStats(0, 0, 0, Map.of(), 0, 0, 0);

  /** Copies the failure map, keeping only the reasons that occurred. */
  public MediaStats {
    EnumMap<FailureReason, Long> copy = new EnumMap<>(FailureReason.class);
    failedByReason.forEach((reason, count) -> {
      if (count != 0) {
        copy.put(reason, count);
      }
    });
    failedByReason = Collections.unmodifiableMap(copy);
  }

  /** Media whose upload definitively failed, all reasons together. */
  public long failed() {
    long total = 0;
    for (long n : failedByReason.values()) {
      total += n;
    }
    return total;
  }

  /** Media failed for one reason. */
  public long failed(FailureReason reason) {
    return failedByReason.getOrDefault(reason, 0L);
  }

  /** Media replaced by a placeholder: dropped or failed. */
  public long notUploaded() {
    return droppedQueueFull + failed();
  }
}
