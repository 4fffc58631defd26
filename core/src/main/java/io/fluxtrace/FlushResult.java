package io.fluxtrace;

/**
 * The outcome of a flush: whether every span ended and every score recorded before the flush was settled
 * (acknowledged by the backend or definitively failed), and the tracer's counters at that moment.
 *
 * @param completed true when every span ended and every score recorded before the flush was settled; false when
 *     a blocking flush ran out of time or the tracer was shut down before they could be settled
 * @param stats the tracer's counters when the flush finished
 */
public record FlushResult(boolean completed, TracerStats stats) {

  /** Spans acknowledged by the backend since the tracer started. */
  public long exported() {
    return stats.exported();
  }

  /** Spans that definitively failed since the tracer started; {@code stats().failedByReason()} says why. */
  public long failed() {
    return stats.failed();
  }

  /** Spans dropped since the tracer started. */
  public long dropped() {
    return stats.dropped();
  }

  /** Whether the flush completed and no span or score was ever dropped or failed. */
  public boolean isClean() {
    return completed && failed() == 0 && dropped() == 0
        && stats.scores().failed() == 0 && stats.scores().dropped() == 0;
  }
}
