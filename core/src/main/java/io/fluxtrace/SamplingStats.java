package io.fluxtrace;

/**
 * Counters of {@link TailSampling tail sampling}, part of {@link TracerStats#sampling()}; all zero without it. A span
 * of a held trace is counted in {@link #heldSpans()} until its trace is decided, then either goes to the pipeline
 * (and ends as exported, failed or dropped there) or is counted in {@link #spansSampledOut()}. So once nothing is
 * held or queued, {@code spansEnded == exported + failed() + dropped() + sampling().spansSampledOut()}.
 *
 * @param spansSampledOut recorded spans of traces the tail decision sampled out
 * @param tracesHeld traces whose spans were held for a decision at their end
 * @param tracesKept held traces kept (an error, a warning, a slow root, the user's rule, or the caller's flag)
 * @param tracesSampledOut held traces sampled out
 * @param tracesDecidedEarly held traces decided before their local root ended: decision timeout, hold bound, flush or
 *     shutdown (counted in kept or sampled out too)
 * @param tracesNotHeldHoldFull new traces that got the rate's decision at once because the hold was full
 * @param heldSpans spans held now
 * @param heldBytes estimated bytes of the spans and scores held now
 * @param heldScores scores held now, waiting for their trace's decision
 */
public record SamplingStats(
    long spansSampledOut,
    long tracesHeld,
    long tracesKept,
    long tracesSampledOut,
    long tracesDecidedEarly,
    long tracesNotHeldHoldFull,
    long heldSpans,
    long heldBytes,
    long heldScores) {

  /** Nothing sampled by the tail. */
  public static final SamplingStats EMPTY = new SamplingStats(0, 0, 0, 0, 0, 0, 0, 0, 0);
}
