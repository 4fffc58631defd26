package io.fluxtrace.export;

import io.fluxtrace.FailureReason;
import org.jspecify.annotations.Nullable;

/**
 * What happened to one batch.
 *
 * @param exported spans the backend acknowledged
 * @param failed spans that definitively failed
 * @param failureReason why they failed; non-null exactly when {@code failed > 0}
 */
public record ExportResult(int exported, int failed, @Nullable FailureReason failureReason) {

  /** Checks that the counts are non-negative and the reason matches. */
  public ExportResult {
    if (exported < 0 || failed < 0) {
      throw new IllegalArgumentException("counts must be non-negative");
    }
    if ((failed > 0) != (failureReason != null)) {
      throw new IllegalArgumentException("failureReason must be set exactly when spans failed");
    }
  }

  /** All {@code count} spans were delivered. */
  public static ExportResult success(int count) {
    return new ExportResult(count, 0, null);
  }

  /** All {@code count} spans failed for {@code reason}. */
  public static ExportResult failure(int count, FailureReason reason) {
    return count == 0 ? success(0) : new ExportResult(0, count, reason);
  }

  /** This result and {@code other} together (for a batch exported in parts). */
  public ExportResult plus(ExportResult other) {
    FailureReason reason = failureReason != null ? failureReason : other.failureReason;
    return new ExportResult(exported + other.exported, failed + other.failed, reason);
  }
}
