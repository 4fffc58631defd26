package io.fluxtrace.internal.transport;

import io.fluxtrace.FailureReason;
import org.jspecify.annotations.Nullable;

/**
 * The final outcome of one export request, after retries.
 *
 * @param status the HTTP status of the last answer, or 0 when the last attempt got none
 * @param failure why the request failed, or null when the backend accepted it
 * @param attempts how many attempts were made
 */
public record SendResult(int status, @Nullable FailureReason failure, int attempts) {

  boolean delivered() {
    return failure == null;
  }
}
