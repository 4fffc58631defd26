package io.fluxtrace;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C trace context identifiers: a trace id is 32 lowercase hex characters, a span id 16, and neither is ever
 * all zeros. Langfuse uses them verbatim, so a trace is findable by the id the application logs.
 */
public final class TraceIds {

  /** The length of a trace id in hex characters. */
  public static final int TRACE_ID_LENGTH = 32;
  /** The length of a span id in hex characters. */
  public static final int SPAN_ID_LENGTH = 16;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

  private TraceIds() {}

  /** A new random trace id. */
  public static String newTraceId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high;
    long low;
    do {
      high = random.nextLong();
      low = random.nextLong();
    } while (high == 0 && low == 0);
    byte[] ascii = new byte[TRACE_ID_LENGTH];
    writeHex(high, ascii, 0);
    writeHex(low, ascii, SPAN_ID_LENGTH);
    return new String(ascii, StandardCharsets.ISO_8859_1);
  }

  /** A new random span id. */
  public static String newSpanId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    byte[] ascii = new byte[SPAN_ID_LENGTH];
    writeHex(id, ascii, 0);
    return new String(ascii, StandardCharsets.ISO_8859_1);
  }

  /**
   * The trace id derived from {@code seed}: the first 16 bytes of the SHA-256 of its UTF-8 bytes, in lowercase hex,
   * exactly as Langfuse's SDKs compute it ({@code create_trace_id(seed=...)} in Python, {@code createTraceId(seed)}
   * in JS). The same seed, such as an external request id, always gives the same trace id, here and in those SDKs,
   * so a later job can score the trace by it ({@code Score...traceId(TraceIds.fromSeed(requestId))}); start the
   * trace under it with {@link FluxTracer#startTrace} or {@code TraceContext.traceId}.
   */
  public static String fromSeed(String seed) {
    Objects.requireNonNull(seed, "seed");
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    byte[] ascii = new byte[TRACE_ID_LENGTH];
    for (int i = 0; i < TRACE_ID_LENGTH / 2; i++) {
      ascii[2 * i] = HEX[(digest[i] >> 4) & 0xF];
      ascii[2 * i + 1] = HEX[digest[i] & 0xF];
    }
    // All zeros would need 128 zero bits from SHA-256: not a case any seed reaches in practice.
    return new String(ascii, StandardCharsets.ISO_8859_1);
  }

  /** Whether {@code id} is 32 lowercase hex characters, not all zeros. */
  public static boolean isValidTraceId(CharSequence id) {
    return isValidHexId(id, TRACE_ID_LENGTH);
  }

  /** Whether {@code id} is 16 lowercase hex characters, not all zeros. */
  public static boolean isValidSpanId(CharSequence id) {
    return isValidHexId(id, SPAN_ID_LENGTH);
  }

  /**
   * The low 64 bits of a valid trace id, the part W3C recommends for sampling decisions because it is random
   * in every conforming generator.
   */
  static long lowBits(String traceId) {
    return Long.parseUnsignedLong(traceId, SPAN_ID_LENGTH, TRACE_ID_LENGTH, 16);
  }

  private static boolean isValidHexId(CharSequence id, int length) {
    if (id.length() != length) {
      return false;
    }
    // Branch-free per char: digits and letters alternate at random in an id, which defeats branch prediction.
    boolean hex = true;
    boolean allZero = true;
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      hex &= (char) (c - '0') <= 9 | (char) (c - 'a') <= 5;
      allZero &= c == '0';
    }
    return hex && !allZero;
  }

  private static void writeHex(long value, byte[] dest, int offset) {
    for (int i = SPAN_ID_LENGTH - 1; i >= 0; i--) {
      dest[offset + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }
}
