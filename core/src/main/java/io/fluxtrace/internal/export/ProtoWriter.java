package io.fluxtrace.internal.export;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Writes protocol buffers wire format into a growing byte array, by hand, as OpenTelemetry Java's exporters do:
 * no generated classes, no message objects, no reflection. Fields are written in the order the caller gives;
 * default values are written as given too, so the caller leaves out what proto3 would leave out.
 *
 * <p>A nested message is written in place: {@link #startMessage} leaves one byte for its length, and
 * {@link #endMessage} writes the length there, moving the message's bytes up when the length needs more than one
 * byte (messages over 127 bytes; one move per enclosing level, a memory copy). Strings are written as UTF-8 with
 * every lone surrogate replaced by U+FFFD, the same repair as the JSON encoder's, so both wires carry the same text.
 *
 * <p>Not thread-safe: one writer per request body.
 */
public final class ProtoWriter {

  /** Wire types. */
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;

  private byte[] buffer;
  private int position;

  /** A writer whose buffer starts at {@code initialCapacity} bytes and grows as needed. */
  public ProtoWriter(int initialCapacity) {
    this.buffer = new byte[Math.max(16, initialCapacity)];
  }

  /** Bytes written so far. */
  public int size() {
    return position;
  }

  /** The bytes written, as a new array of exactly that size. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buffer, position);
  }

  /** Writes the bytes written to {@code out}. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(buffer, 0, position);
  }

  /** A field's key: its number and wire type. */
  public void tag(int field, int wireType) {
    varint32((field << 3) | wireType);
  }

  /** A varint field of an unsigned or non-negative value (uint32, uint64, int32 and int64 when non-negative). */
  public void varintField(int field, long value) {
    tag(field, VARINT);
    varint64(value);
  }

  /** A bool field. */
  public void boolField(int field, boolean value) {
    tag(field, VARINT);
    ensure(1);
    buffer[position++] = (byte) (value ? 1 : 0);
  }

  /** A fixed64 field (fixed64, sfixed64). */
  public void fixed64Field(int field, long value) {
    tag(field, FIXED64);
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buffer[position++] = (byte) value;
      value >>>= 8;
    }
  }

  /** A double field. */
  public void doubleField(int field, double value) {
    fixed64Field(field, Double.doubleToRawLongBits(value));
  }

  /** A string field, as UTF-8 with lone surrogates replaced by U+FFFD. */
  public void stringField(int field, String value) {
    tag(field, LENGTH_DELIMITED);
    int length = utf8Length(value);
    varint32(length);
    ensure(length);
    position = writeUtf8(value, buffer, position);
  }

  /** A bytes field holding the id in {@code hex} (lowercase hex, even length) as its bytes. */
  public void hexBytesField(int field, String hex) {
    tag(field, LENGTH_DELIMITED);
    int length = hex.length() / 2;
    varint32(length);
    ensure(length);
    for (int i = 0; i < length; i++) {
      buffer[position++] = (byte) ((digit(hex.charAt(2 * i)) << 4) | digit(hex.charAt(2 * i + 1)));
    }
  }

  /** A bytes field. */
  public void bytesField(int field, byte[] value) {
    tag(field, LENGTH_DELIMITED);
    varint32(value.length);
    ensure(value.length);
    System.arraycopy(value, 0, buffer, position, value.length);
    position += value.length;
  }

  /**
   * Starts a nested message in {@code field}; returns the mark to pass to {@link #endMessage} once its fields are
   * written.
   */
  public int startMessage(int field) {
    tag(field, LENGTH_DELIMITED);
    ensure(1);
    return position++;
  }

  /** Ends the message started at {@code mark}: writes its length before it. */
  public void endMessage(int mark) {
    int start = mark + 1;
    int length = position - start;
    int lengthBytes = varintSize(length);
    if (lengthBytes > 1) {
      ensure(lengthBytes - 1);
      System.arraycopy(buffer, start, buffer, start + lengthBytes - 1, length);
      position += lengthBytes - 1;
    }
    int at = mark;
    int value = length;
    while ((value & ~0x7F) != 0) {
      buffer[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buffer[at] = (byte) value;
  }

  private void varint32(int value) {
    ensure(5);
    while ((value & ~0x7F) != 0) {
      buffer[position++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buffer[position++] = (byte) value;
  }

  private void varint64(long value) {
    ensure(10);
    while ((value & ~0x7FL) != 0) {
      buffer[position++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buffer[position++] = (byte) value;
  }

  /** The bytes of {@code value} as a varint. */
  static int varintSize(int value) {
    if ((value & ~0x7F) == 0) {
      return 1;
    }
    if ((value & ~0x3FFF) == 0) {
      return 2;
    }
    if ((value & ~0x1FFFFF) == 0) {
      return 3;
    }
    if ((value & ~0xFFFFFFF) == 0) {
      return 4;
    }
    return 5;
  }

  private void ensure(int more) {
    if (buffer.length - position < more) {
      long wanted = Math.max((long) buffer.length << 1, (long) position + more);
      if (wanted > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("fluxtrace: a request body over 2 GB");
      }
      buffer = Arrays.copyOf(buffer, (int) wanted);
    }
  }

  private static int digit(char c) {
    return c <= '9' ? c - '0' : c - 'a' + 10;
  }

  /** The UTF-8 size of {@code text}, each lone surrogate counted as U+FFFD (three bytes). */
  static int utf8Length(String text) {
    int length = text.length();
    int bytes = length;
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
          bytes += 2; // four bytes for the pair's two chars
          i++;
        } else {
          bytes += 2; // three bytes: any other char, U+FFFD for a lone surrogate
        }
      }
    }
    return bytes;
  }

  /** Writes {@code text} as UTF-8 at {@code at}, lone surrogates as U+FFFD; returns the position after it. */
  static int writeUtf8(String text, byte[] out, int at) {
    int length = text.length();
    int i = 0;
    // ASCII prefix: the common case for ids, names and most content.
    while (i < length) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        break;
      }
      out[at++] = (byte) c;
      i++;
    }
    for (; i < length; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        out[at++] = (byte) c;
      } else if (c < 0x800) {
        out[at++] = (byte) (0xC0 | (c >>> 6));
        out[at++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
          int codePoint = Character.toCodePoint(c, text.charAt(++i));
          out[at++] = (byte) (0xF0 | (codePoint >>> 18));
          out[at++] = (byte) (0x80 | ((codePoint >>> 12) & 0x3F));
          out[at++] = (byte) (0x80 | ((codePoint >>> 6) & 0x3F));
          out[at++] = (byte) (0x80 | (codePoint & 0x3F));
        } else {
          out[at++] = (byte) 0xEF; // U+FFFD
          out[at++] = (byte) 0xBF;
          out[at++] = (byte) 0xBD;
        }
      } else {
        out[at++] = (byte) (0xE0 | (c >>> 12));
        out[at++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
        out[at++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return at;
  }
}
