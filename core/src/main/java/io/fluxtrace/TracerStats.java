package io.fluxtrace;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of exact counters since the tracer was built. Every span that ended is accounted for: once the
 * pipeline is idle (and nothing is held by tail sampling), {@code spansEnded == exported + failed() + dropped() +
 * sampling().spansSampledOut()}. Counters never include
 * secrets or user content.
 *
 * <p>Naming, here as in {@link FlushResult} and {@link ScoreStats}: {@code failed()} and {@code dropped()} are
 * totals, {@link #failedByReason()} has the breakdown.
 *
 * @param spansStarted recording spans started
 * @param spansEnded recording spans ended (the first end of each span)
 * @param enqueued spans accepted into the export pipeline
 * @param droppedQueueFull spans dropped because the pipeline held its maximum number of spans or bytes
 * @param droppedAfterClose spans ended after {@link FluxTracer#close()}
 * @param exported spans the backend acknowledged
 * @param failedByReason spans that definitively failed, by reason
 * @param retries export attempts that were retries
 * @param batches export requests that completed (whatever the outcome)
 * @param bytesSent request body bytes sent, after compression
 * @param queuedSpans spans in the pipeline now (queued, batched or in flight)
 * @param queuedBytes estimated bytes of the spans in the pipeline now
 * @param mutationsAfterEnd changes to spans after they ended, which were ignored
 * @param contentReplaced values that could not be serialized and were replaced by a placeholder
 * @param contentTruncated values truncated to the configured maximum size
 * @param maskingFailures values the masking hook threw on, replaced by {@link ContentMasker#FAILED_MARKER}
 * @param invalidValuesDropped usage or cost figures dropped because Langfuse would reject them
 * @param scores the score counters, which the span counters above do not include
 * @param media the counters of media uploaded to Langfuse (see {@link Media})
 * @param sampling the tail sampling counters (all zero without {@link TailSampling})
 */
public record TracerStats(
    long spansStarted,
    long spansEnded,
    long enqueued,
    long droppedQueueFull,
    long droppedAfterClose,
    long exported,
    Map<FailureReason, Long> failedByReason,
    long retries,
    long batches,
    long bytesSent,
    long queuedSpans,
    long queuedBytes,
    long mutationsAfterEnd,
    long contentReplaced,
    long contentTruncated,
    long maskingFailures,
    long invalidValuesDropped,
    ScoreStats scores,
    MediaStats media,
    SamplingStats sampling) {

  /** Copies the failure map. */
  public TracerStats {
    EnumMap<FailureReason, Long> copy = new EnumMap<>(FailureReason.class);
    copy.putAll(failedByReason);
    failedByReason = Collections.unmodifiableMap(copy);
  }

  /** Spans that definitively failed, all reasons together; {@link #failedByReason()} has the breakdown. */
  public long failed() {
    long total = 0;
    for (long n : failedByReason.values()) {
      total += n;
    }
    return total;
  }

  /** Spans dropped, for any reason. */
  public long dropped() {
    return droppedQueueFull + droppedAfterClose;
  }

  /** Spans failed for one reason. */
  public long failed(FailureReason reason) {
    return failedByReason.getOrDefault(reason, 0L);
  }
}
