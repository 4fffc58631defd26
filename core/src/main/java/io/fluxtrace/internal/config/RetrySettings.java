package io.fluxtrace.internal.config;

import java.time.Duration;

/**
 * How a failed export request is tried again.
 *
 * @param maxExportAttempts attempts per request, the first included
 * @param initialBackoff the first backoff, doubled each time up to {@code maxBackoff}
 * @param maxBackoff the longest backoff, also the cap on a server's {@code Retry-After}
 * @param retryTimedOutRequests whether a request that was sent but timed out is sent again
 */
public record RetrySettings(int maxExportAttempts, Duration initialBackoff, Duration maxBackoff,
    boolean retryTimedOutRequests) {}
