package io.fluxtrace.internal.transport;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/** Parses the {@code Retry-After} header (RFC 9110 section 10.2.3). */
public final class RetryAfter {

  private RetryAfter() {}

  /**
   * The delay a {@code Retry-After} value asks for: delay-seconds ({@code "120"}) or an HTTP date
   * ({@code "Wed, 21 Oct 2015 07:28:00 GMT"}), relative to {@code nowEpochMillis}. A date in the past gives
   * zero.
   *
   * @return the delay, or null when the value is absent or malformed (the caller then uses its own backoff)
   */
  public static @Nullable Duration parse(@Nullable String value, long nowEpochMillis) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (v.isEmpty()) {
      return null;
    }
    if (Character.isDigit(v.charAt(0))) {
      // delay-seconds is 1*DIGIT; anything else (a sign, a fraction) is malformed.
      for (int i = 0; i < v.length(); i++) {
        if (!Character.isDigit(v.charAt(i))) {
          return null;
        }
      }
      try {
        return Duration.ofSeconds(Long.parseLong(v));
      } catch (NumberFormatException e) {
        // More digits than a long holds: as long as anyone would wait.
        return Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L);
      }
    }
    try {
      long at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
      return Duration.ofMillis(Math.max(0, at - nowEpochMillis));
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
