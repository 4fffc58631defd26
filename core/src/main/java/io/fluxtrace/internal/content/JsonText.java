package io.fluxtrace.internal.content;

/**
 * Text helpers that keep every string fluxtrace sends well-formed: lone UTF-16 surrogates (which have no UTF-8
 * encoding) become U+FFFD, cuts never split a surrogate pair, and sizes are counted in UTF-8 bytes, the unit
 * backends limit. The checks allocate nothing when a string is already clean, the common case.
 */
public final class JsonText {

  /** Appended where a value was cut. */
  public static final String TRUNCATED_MARKER = "...<fluxtrace: truncated>";

  private static final char REPLACEMENT = '\uFFFD';
  /** The most UTF-8 bytes a char can take once escaped: a control char written as a six-char escape. */
  private static final int MAX_ESCAPED_BYTES_PER_CHAR = 6;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {}

  /** {@code text} with every lone surrogate replaced by U+FFFD; the same instance when there is none. */
  public static String sanitize(String text) {
    int first = firstLoneSurrogate(text);
    if (first < 0) {
      return text;
    }
    char[] chars = text.toCharArray();
    for (int i = first; i < chars.length; i++) {
      char c = chars[i];
      if (Character.isHighSurrogate(c) && i + 1 < chars.length && Character.isLowSurrogate(chars[i + 1])) {
        i++;
      } else if (Character.isSurrogate(c)) {
        chars[i] = REPLACEMENT;
      }
    }
    return new String(chars);
  }

  /** The index of the first lone surrogate in {@code text}, or -1. */
  static int firstLoneSurrogate(CharSequence text) {
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      }
    }
    return -1;
  }

  /** The UTF-8 size of {@code text} once sanitized: a lone surrogate counts as U+FFFD (3 bytes). */
  public static long utf8Length(CharSequence text) {
    long bytes = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      int size = utf8Size(text, i);
      bytes += size;
      if (size == 4) {
        i++;
      }
    }
    return bytes;
  }

  /**
   * The UTF-8 size of the char at {@code i}: 4 for a surrogate pair (which then spans {@code i + 1}), 3 for a
   * lone surrogate (its U+FFFD replacement).
   */
  private static int utf8Size(CharSequence text, int i) {
    char c = text.charAt(i);
    if (c < 0x80) {
      return 1;
    }
    if (c < 0x800) {
      return 2;
    }
    return Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
        ? 4
        : 3;
  }

  /**
   * {@code text} sanitized and, when its UTF-8 size is over {@code maxBytes}, cut to at most {@code maxBytes}
   * bytes including {@code marker}, which is appended. Returns the same instance when nothing had to change.
   */
  public static String truncate(String text, int maxBytes, String marker) {
    int budget = maxBytes - (int) utf8Length(marker);
    int end = prefixEnd(text, Math.max(0, budget));
    if (end == text.length()) {
      return sanitize(text);
    }
    return sanitize(text.substring(0, end)) + marker;
  }

  /** Whether the UTF-8 size of {@code text} is over {@code maxBytes}, so that {@link #truncate} would cut it. */
  public static boolean exceeds(CharSequence text, int maxBytes) {
    // A UTF-16 char never takes more than 3 bytes, so short text needs no count; long text is read only up to
    // the limit.
    return (long) text.length() * 3 > maxBytes && prefixEnd(text, maxBytes) < text.length();
  }

  /** The end index of the longest prefix of {@code text} whose UTF-8 size is at most {@code maxBytes}. */
  static int prefixEnd(CharSequence text, int maxBytes) {
    long bytes = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      int size = utf8Size(text, i);
      if (bytes + size > maxBytes) {
        return i;
      }
      bytes += size;
      if (size == 4) {
        i++;
      }
    }
    return length;
  }

  /**
   * Appends {@code text} as a JSON string literal, sanitized, taking at most {@code maxBytes} UTF-8 bytes with
   * the quotes. When it does not fit, as much as fits is written followed by {@code marker}.
   *
   * @return the UTF-8 size of what was appended, negated when {@code text} had to be cut
   */
  public static long appendQuoted(StringBuilder out, CharSequence text, int maxBytes, String marker) {
    out.append('"');
    if ((long) text.length() * MAX_ESCAPED_BYTES_PER_CHAR <= maxBytes - 2L) {
      // Fits whatever it holds (the common case: a value far below the limit), so no sizing pass is needed.
      long size = appendEscaped(out, text, text.length());
      out.append('"');
      return size + 2;
    }
    long[] size = new long[1];
    int end = escapedPrefixEnd(text, maxBytes - 2L, size);
    if (end == text.length()) {
      appendEscaped(out, text, end);
      out.append('"');
      return size[0] + 2;
    }
    long[] markerSize = new long[1];
    escapedPrefixEnd(marker, Long.MAX_VALUE, markerSize);
    end = escapedPrefixEnd(text, Math.max(0, maxBytes - 2L - markerSize[0]), size);
    appendEscaped(out, text, end);
    appendEscaped(out, marker, marker.length());
    out.append('"');
    return -(size[0] + markerSize[0] + 2);
  }

  /** {@code text} as a complete JSON string literal (see {@link #appendQuoted}). */
  public static String quote(CharSequence text, int maxBytes, String marker) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), maxBytes) + 2);
    appendQuoted(out, text, maxBytes, marker);
    return out.toString();
  }

  /**
   * The end index of the longest prefix of {@code text} whose escaped JSON form (without quotes) takes at most
   * {@code maxBytes}; its size goes to {@code size[0]}.
   */
  private static int escapedPrefixEnd(CharSequence text, long maxBytes, long[] size) {
    long bytes = 0;
    int length = text.length();
    int i = 0;
    while (i < length) {
      char c = text.charAt(i);
      int utf8 = utf8Size(text, i);
      int escaped = c == '"' || c == '\\' ? 2 : c < 0x20 ? (shortEscape(c) != 0 ? 2 : 6) : utf8;
      if (bytes + escaped > maxBytes) {
        break;
      }
      bytes += escaped;
      i += utf8 == 4 ? 2 : 1;
    }
    size[0] = bytes;
    return i;
  }

  /**
   * Appends the first {@code end} chars of {@code text} escaped and sanitized, and returns their UTF-8 size. Runs of
   * chars that need no escaping are appended in bulk: most content is long runs of them.
   */
  private static long appendEscaped(StringBuilder out, CharSequence text, int end) {
    long bytes = 0;
    int run = 0;
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c != '"' && c != '\\') {
          bytes++;
          continue;
        }
      } else if (c >= 0x80 && !Character.isSurrogate(c)) {
        bytes += c < 0x800 ? 2 : 3;
        continue;
      }
      out.append(text, run, i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
        bytes += 2;
      } else if (c < 0x20) {
        char escape = shortEscape(c);
        if (escape != 0) {
          out.append('\\').append(escape);
          bytes += 2;
        } else {
          out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          bytes += 6;
        }
      } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
        bytes += 4;
      } else {
        out.append(REPLACEMENT);
        bytes += 3;
      }
      run = i + 1;
    }
    out.append(text, run, end);
    return bytes;
  }

  private static char shortEscape(char c) {
    return switch (c) {
      case '\n' -> 'n';
      case '\r' -> 'r';
      case '\t' -> 't';
      case '\b' -> 'b';
      case '\f' -> 'f';
      default -> 0;
    };
  }
}
