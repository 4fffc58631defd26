package io.fluxtrace;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Exact counters of scores since the tracer was built, part of {@link TracerStats#scores()}. Every recorded score
 * is accounted for: once the score pipeline is idle, {@code recorded == exported + failed() + dropped()}.
 * {@code failed()} and {@code dropped()} are totals, {@link #failedByReason()} has the breakdown.
 *
 * <p>Langfuse answers a batch of scores per score: a score it rejected is counted under the reason of its own
 * answer (400 {@link FailureReason#BAD_REQUEST}, 401 or 403 {@link FailureReason#UNAUTHORIZED}, 404 and others
 * {@link FailureReason#OTHER_STATUS}); a score still refused with 429 or 5xx when the attempts ran out under
 * {@link FailureReason#RETRIES_EXHAUSTED}.
 *
 * @param recorded scores handed to {@link FluxTracer#score(Score)} on an enabled tracer
 * @param enqueued scores accepted into the score pipeline
 * @param droppedQueueFull scores dropped because the score pipeline held its maximum
 * @param droppedAfterClose scores recorded after {@link FluxTracer#close()}
 * @param droppedNoExporter scores dropped because the tracer has nowhere to send them (no Langfuse keys at the
 *     Langfuse endpoint and no {@link io.fluxtrace.export.ScoreExporter})
 * @param droppedSampledOut scores of traces that {@link TailSampling tail sampling} sampled out
 * @param exported scores the backend acknowledged
 * @param failedByReason scores that definitively failed, by reason; only reasons that occurred
 * @param retries times a score was sent again after a retryable answer
 * @param queued scores in the pipeline now (queued, batched or in flight)
 */
public record ScoreStats(
    long recorded,
    long enqueued,
    long droppedQueueFull,
    long droppedAfterClose,
    long droppedNoExporter,
    long droppedSampledOut,
    long exported,
    Map<FailureReason, Long> failedByReason,
    long retries,
    long queued) {

  /** No score at all. */
  public static final ScoreStats EMPTY = new ScoreStats(0, 0, 0, 0, 0, 0, 0, Map.of(), 0, 0);

  /** Copies the failure map, keeping only the reasons that occurred. */
  public ScoreStats {
    EnumMap<FailureReason, Long> copy = new EnumMap<>(FailureReason.class);
    failedByReason.forEach((reason, count) -> {
      if (count != 0) {
        copy.put(reason, count);
      }
    });
    failedByReason = Collections.unmodifiableMap(copy);
  }

  /** Scores that definitively failed, all reasons together; {@link #failedByReason()} has the breakdown. */
  public long failed() {
    long total = 0;
    for (long n : failedByReason.values()) {
      total += n;
    }
    return total;
  }

  /** Scores dropped, for any reason. */
  public long dropped() {
    return droppedQueueFull + droppedAfterClose + droppedNoExporter + droppedSampledOut;
  }

  /** Scores failed for one reason. */
  public long failed(FailureReason reason) {
    return failedByReason.getOrDefault(reason, 0L);
  }
}
