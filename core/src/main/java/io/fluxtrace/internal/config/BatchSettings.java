package io.fluxtrace.internal.config;

import java.time.Duration;

/**
 * How items are batched and how much the pipelines hold at most.
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
    int maxConcurrentExports) {}
