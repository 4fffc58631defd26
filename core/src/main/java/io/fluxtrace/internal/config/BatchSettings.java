package io.fluxtrace.internal.config;

import static io.fluxtrace.internal.config.EndpointValidation.require;

import java.time.Duration;

/**
 * How items are batched and how much the pipelines hold at most. Validated when built, with messages naming the
 * builder setting.
 *
 * @param flushAt items per export request at most
 * @param flushInterval how long an item waits at most before it is exported
 * @param maxQueuedSpans spans the span pipeline holds at most
 * @param maxQueuedScores scores the score pipeline holds at most
 * @param maxQueuedBytes estimated bytes each pipeline holds at most
 * @param maxBatchBytes estimated uncompressed bytes per export request at most
 * @param maxConcurrentExports export requests in flight at once per pipeline
 */
public record BatchSettings(
    int flushAt,
    Duration flushInterval,
    int maxQueuedSpans,
    int maxQueuedScores,
    long maxQueuedBytes,
    long maxBatchBytes,
    int maxConcurrentExports) {

  public BatchSettings {
    require(maxQueuedSpans >= 1, "maxQueuedSpans", "at least 1", String.valueOf(maxQueuedSpans));
    require(maxQueuedScores >= 1, "maxQueuedScores", "at least 1", String.valueOf(maxQueuedScores));
    require(maxQueuedBytes >= 1024, "maxQueuedBytes", "at least 1024", String.valueOf(maxQueuedBytes));
    require(maxBatchBytes >= 1024, "maxBatchBytes", "at least 1024", String.valueOf(maxBatchBytes));
    require(maxConcurrentExports >= 1, "maxConcurrentExports", "at least 1", String.valueOf(maxConcurrentExports));
  }
}
