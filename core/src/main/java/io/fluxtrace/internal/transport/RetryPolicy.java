package io.fluxtrace.internal.transport;

import io.fluxtrace.internal.config.TracerConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * When and how often an export request is sent again. Immutable and validated on construction.
 *
 * <p>Retried: 429, 502, 503, 504, and connection failures (refused, reset or closed before an answer, DNS,
 * connect or write timeouts), because the backend cannot have stored the spans or said it did not. The delay
 * before retry {@code n} (1-based) is {@code initialBackoff * multiplier^(n-1)}, spread by a random factor in
 * {@code [1 - jitter, 1 + jitter]} so that many processes do not retry in step, and capped by
 * {@code maxBackoff}. A {@code Retry-After} from the server replaces that delay, also capped by
 * {@code maxBackoff}.
 *
 * <p>A request that was sent but got no answer within the timeout is different: the backend may have stored
 * it, and Langfuse v4 keeps a duplicate of every re-sent span. It is retried only when
 * {@code retryTimedOutRequests} is true; otherwise its spans fail as {@link io.fluxtrace.FailureReason#TIMEOUT}
 * (possibly delivered).
 *
 * @param maxAttempts attempts per request, the first one included, from 1 to 10 (default
 *     {@value #DEFAULT_MAX_ATTEMPTS})
 * @param initialBackoff the delay before the first retry, positive (default 1 s)
 * @param maxBackoff the longest delay before a retry, at least {@code initialBackoff} (default 30 s)
 * @param multiplier how much the delay grows per retry, at least 1.0 (default {@value #DEFAULT_MULTIPLIER})
 * @param jitter the share by which a delay is randomly shortened or lengthened, from 0.0 to 1.0 (default
 *     {@value #DEFAULT_JITTER})
 * @param retryTimedOutRequests whether a request that was sent but timed out is sent again (default false)
 */
public record RetryPolicy(
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    double multiplier,
    double jitter,
    boolean retryTimedOutRequests) {

  static final int DEFAULT_MAX_ATTEMPTS = 5;
  static final double DEFAULT_MULTIPLIER = 2.0;
  static final double DEFAULT_JITTER = 0.2;

  /** The defaults listed on the components. */
  static final RetryPolicy DEFAULT = new RetryPolicy(
      DEFAULT_MAX_ATTEMPTS, Duration.ofSeconds(1), Duration.ofSeconds(30), DEFAULT_MULTIPLIER, DEFAULT_JITTER,
      false);

  public RetryPolicy {
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw new IllegalArgumentException("maxAttempts must be from 1 to 10, got " + maxAttempts);
    }
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initialBackoff must be positive, got " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff must be at least initialBackoff (" + initialBackoff + "), got " + maxBackoff);
    }
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be a finite number of at least 1.0, got " + multiplier);
    }
    if (!(jitter >= 0.0 && jitter <= 1.0)) {
      throw new IllegalArgumentException("jitter must be from 0.0 to 1.0, got " + jitter);
    }
  }

  /** The policy a validated tracer configuration asks for, with the default multiplier and jitter. */
  public static RetryPolicy from(TracerConfig config) {
    return new RetryPolicy(config.maxExportAttempts(), config.initialBackoff(), config.maxBackoff(),
        DEFAULT_MULTIPLIER, DEFAULT_JITTER, config.retryTimedOutRequests());
  }

  /** This policy, deciding otherwise whether a request that timed out is sent again. */
  public RetryPolicy withRetryTimedOutRequests(boolean retryTimedOut) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, retryTimedOut);
  }

  /** This policy with another jitter; tests use 0 to make delays exact. */
  RetryPolicy withJitter(double newJitter) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, newJitter, retryTimedOutRequests);
  }

  /**
   * The delay before retry {@code retry}.
   *
   * @param retry 1 for the first retry (the second attempt), 2 for the next, ...
   * @param random a uniformly distributed number in {@code [0, 1)} that picks the jitter
   */
  public Duration backoff(int retry, double random) {
    double nanos = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
    nanos *= 1.0 - jitter + 2.0 * jitter * random;
    long capped = (long) Math.min(nanos, (double) maxBackoff.toNanos());
    return Duration.ofNanos(Math.max(0, capped));
  }

  /** A server's {@code Retry-After} delay, capped by {@link #maxBackoff()}. */
  public Duration capped(Duration retryAfter) {
    if (retryAfter.isNegative()) {
      return Duration.ZERO;
    }
    return retryAfter.compareTo(maxBackoff) > 0 ? maxBackoff : retryAfter;
  }
}
