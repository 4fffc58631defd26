package io.fluxtrace.internal.export;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** The one timestamp form fluxtrace sends to Langfuse, for spans and scores alike. */
public final class Timestamps {

  private Timestamps() {}

  /**
   * {@code uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'} in UTC: microseconds, as Langfuse's own SDKs send timestamps, a form
   * JavaScript dates parse. Written by hand: a DateTimeFormatter was a tenth of the export thread's time for
   * streaming generations. Nanosecond timestamps in a long span the years 1677 to 2262, always four digits.
   */
  public static String isoMicros(long epochNanos) {
    LocalDateTime time = LocalDateTime.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
        (int) Math.floorMod(epochNanos, 1_000_000_000L), ZoneOffset.UTC);
    char[] text = new char[27];
    digits(text, 0, time.getYear(), 4);
    text[4] = '-';
    digits(text, 5, time.getMonthValue(), 2);
    text[7] = '-';
    digits(text, 8, time.getDayOfMonth(), 2);
    text[10] = 'T';
    digits(text, 11, time.getHour(), 2);
    text[13] = ':';
    digits(text, 14, time.getMinute(), 2);
    text[16] = ':';
    digits(text, 17, time.getSecond(), 2);
    text[19] = '.';
    digits(text, 20, time.getNano() / 1000, 6);
    text[26] = 'Z';
    return new String(text);
  }

  /** Writes {@code value} as {@code count} decimal digits, zero-padded, ending at {@code at + count}. */
  private static void digits(char[] text, int at, int value, int count) {
    for (int i = at + count - 1; i >= at; i--) {
      text[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
