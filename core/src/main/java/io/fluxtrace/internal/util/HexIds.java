package io.fluxtrace.internal.util;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Trace and span ids kept as numbers on the caller's thread and written as the W3C lowercase hex text only where
 * text is needed (the export side, a child's or a remote callee's context), exactly as {@code TraceIds} writes a
 * generated id: so the wire is the same, byte for byte, whichever way an id was kept.
 */
public final class HexIds {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);
  private static final HexFormat LOWER = HexFormat.of();

  private HexIds() {}

  /** The 32 hex characters of the trace id whose halves are {@code high} and {@code low}. */
  public static String traceId(long high, long low) {
    byte[] ascii = new byte[32];
    write(high, ascii, 0);
    write(low, ascii, 16);
    return new String(ascii, StandardCharsets.ISO_8859_1);
  }

  /** The 16 hex characters of the span id {@code id}. */
  public static String spanId(long id) {
    return LOWER.toHexDigits(id); // one exact-size String, no copy
  }

  /** The number a valid 16-character span id stands for. */
  public static long parseSpanId(String spanId) {
    return Long.parseUnsignedLong(spanId, 16);
  }

  private static void write(long value, byte[] dest, int offset) {
    for (int i = 15; i >= 0; i--) {
      dest[offset + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }
}
