package io.fluxtrace.internal.config;

import io.fluxtrace.TailSampling;
import org.jspecify.annotations.Nullable;

/**
 * The sampling options beyond the head rate, resolved against the tracer's bounds: tail sampling, or none.
 *
 * @param tail the user's tail sampling options, or null when traces are decided by the rate alone
 * @param maxHeldSpans spans held at most, taken out of {@code maxQueuedSpans} (0 without tail sampling)
 * @param maxHeldBytes estimated bytes held at most, taken out of {@code maxQueuedBytes} (0 without tail sampling)
 */
public record SamplingSettings(@Nullable TailSampling tail, int maxHeldSpans, long maxHeldBytes) {

  /** Head sampling only: nothing is held. */
  public static final SamplingSettings HEAD_ONLY = new SamplingSettings(null, 0, 0);

  /**
   * Resolves {@code tail} against the tracer's bounds: the hold's defaults are a quarter of them, and what the hold
   * takes must leave the pipeline at least one span and 1024 bytes.
   *
   * @throws IllegalArgumentException naming the setting when the hold does not fit
   */
  public static SamplingSettings resolve(@Nullable TailSampling tail, int maxQueuedSpans, long maxQueuedBytes) {
    if (tail == null) {
      return HEAD_ONLY;
    }
    int spans = tail.maxHeldSpans() != 0 ? tail.maxHeldSpans() : Math.max(1, maxQueuedSpans / 4);
    long bytes = tail.maxHeldBytes() != 0 ? tail.maxHeldBytes() : Math.max(1024, maxQueuedBytes / 4);
    if (spans >= maxQueuedSpans) {
      throw new IllegalArgumentException("fluxtrace: tailSampling maxHeldSpans must be less than maxQueuedSpans ("
          + maxQueuedSpans + "), which bounds held and queued spans together, got '" + spans + "'");
    }
    if (bytes > maxQueuedBytes - 1024) {
      throw new IllegalArgumentException("fluxtrace: tailSampling maxHeldBytes must leave at least 1024 of"
          + " maxQueuedBytes (" + maxQueuedBytes + ") to the pipeline, got '" + bytes + "'");
    }
    return new SamplingSettings(tail, spans, bytes);
  }

  /** Whether traces may be held for a decision at their end. */
  public boolean tailEnabled() {
    return tail != null;
  }

  @Override
  public String toString() {
    return tail == null ? "head" : tail + "(maxHeldSpans=" + maxHeldSpans + ", maxHeldBytes=" + maxHeldBytes + ")";
  }
}
