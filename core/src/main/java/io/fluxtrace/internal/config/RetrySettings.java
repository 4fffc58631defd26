package io.fluxtrace.internal.config;

import static io.fluxtrace.internal.config.EndpointValidation.require;

import java.time.Duration;

/**
 * How a failed export request is tried again. Validated when built, with messages naming the builder setting.
 *
 * @param maxExportAttempts attempts per request, the first included
 * @param initialBackoff the first backoff, doubled each time up to {@code maxBackoff}
 * @param maxBackoff the longest backoff, also the cap on a server's {@code Retry-After}
 * @param retryTimedOutRequests whether a request that was sent but timed out is sent again
 */
public record RetrySettings(int maxExportAttempts, Duration initialBackoff, Duration maxBackoff,
    boolean retryTimedOutRequests) {

  public RetrySettings {
    require(maxExportAttempts >= 1 && maxExportAttempts <= 10, "maxExportAttempts", "from 1 to 10",
        String.valueOf(maxExportAttempts));
    require(!initialBackoff.isNegative() && !initialBackoff.isZero(), "initialBackoff", "positive",
        initialBackoff.toString());
    require(maxBackoff.compareTo(initialBackoff) >= 0, "maxBackoff", "at least initialBackoff (" + initialBackoff
        + ")", maxBackoff.toString());
  }
}
