package io.fluxtrace.internal.transport;

import io.fluxtrace.FailureReason;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/** What one attempt's answer, or failure to get one, means for the request. */
public enum Verdict {
  /** 2xx: the backend stored the spans. */
  DELIVERED(null),
  /** Safe to send again: 429, 502, 503, 504, or the backend cannot have accepted the request. */
  RETRYABLE(FailureReason.RETRIES_EXHAUSTED),
  /** Sent, but no answer in time: the backend may have stored the spans. */
  TIMED_OUT(FailureReason.TIMEOUT),
  BAD_REQUEST(FailureReason.BAD_REQUEST),
  UNAUTHORIZED(FailureReason.UNAUTHORIZED),
  TOO_LARGE(FailureReason.PAYLOAD_TOO_LARGE),
  OTHER_STATUS(FailureReason.OTHER_STATUS),
  /** The request could not be made at all for a reason retrying will not fix (TLS setup, a bug). */
  INTERNAL(FailureReason.INTERNAL_ERROR);

  /** The reason the spans fail when this is the last attempt's verdict; null for {@link #DELIVERED}. */
  public final @Nullable FailureReason reason;

  Verdict(@Nullable FailureReason reason) {
    this.reason = reason;
  }

  /** The verdict of an HTTP answer. */
  public static Verdict ofStatus(int status) {
    if (status >= 200 && status < 300) {
      return DELIVERED;
    }
    switch (status) {
      case 429:
      case 502:
      case 503:
      case 504:
        return RETRYABLE;
      case 400:
        return BAD_REQUEST;
      case 401:
      case 403:
        return UNAUTHORIZED;
      case 413:
        return TOO_LARGE;
      default:
        return OTHER_STATUS;
    }
  }

  /**
   * The verdict of an attempt that got no answer.
   *
   * <ul>
   *   <li>No answer within the response timeout after the whole request was written: {@link #TIMED_OUT}.
   *   <li>Write timeout (the request never got fully out), connect timeout, refused, reset or closed before
   *       an answer, unknown host, no pooled connection in time: {@link #RETRYABLE}. A connection closed after
   *       the request was sent is most often a pooled connection the server had just closed, and the server
   *       answers what it stored, so it is treated as not delivered.
   *   <li>TLS failures and anything else: {@link #INTERNAL}, since another attempt would fail the same way.
   * </ul>
   */
  public static Verdict ofError(Throwable error) {
    if (error instanceof ReadTimeoutException) {
      return TIMED_OUT;
    }
    if (error instanceof WriteTimeoutException) {
      return RETRYABLE;
    }
    if (error instanceof SSLException) {
      return INTERNAL;
    }
    if (error instanceof IOException || error instanceof TimeoutException) {
      // ConnectException (refused; netty's ConnectTimeoutException is one), UnknownHostException,
      // PrematureCloseException, "Connection reset by peer", the pool's acquire timeout.
      return RETRYABLE;
    }
    Throwable cause = error.getCause();
    if (cause != null && cause != error && (cause instanceof IOException || cause instanceof TimeoutException)) {
        return ofError(cause);
    }
    return INTERNAL;
  }
}
