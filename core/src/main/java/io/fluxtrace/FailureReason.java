package io.fluxtrace;

/** Why spans were not delivered, as counted in {@link TracerStats#failedByReason()}. */
public enum FailureReason {
  /** The backend answered 400: the export was malformed. Not retried. */
  BAD_REQUEST,
  /** The backend answered 401 or 403: keys or permissions are wrong. Not retried. */
  UNAUTHORIZED,
  /** A single span was still larger than the backend accepts (413) after the batch was split. */
  PAYLOAD_TOO_LARGE,
  /** Retryable failures (429, 502, 503, 504, connection failures) outlasted the retry budget. */
  RETRIES_EXHAUSTED,
  /**
   * The request was sent but no answer came within the timeout. The backend may have stored the spans;
   * they are not sent again unless retries of timed-out requests are enabled, because Langfuse v4 would keep
   * a duplicate of every re-sent span.
   */
  TIMEOUT,
  /** Another answer the backend gave (for example 500, 404). */
  OTHER_STATUS,
  /** The spans could not be encoded or sent at all (a bug or an unexpected exception). */
  INTERNAL_ERROR,
  /** The shutdown deadline passed before the spans could be delivered. */
  SHUTDOWN_DEADLINE
}
