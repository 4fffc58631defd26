package io.fluxtrace.internal.export;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Writes protocol buffers wire format into a growing byte array, by hand, as OpenTelemetry Java's exporters do:
 * no generated classes, no message objects, no reflection. Fields are written in the order the caller gives;
 * default values are written as given too, so the caller leaves out what proto3 would leave out.
 *
 * <p>A nested message is written in place: {@link #startMessage} leaves one byte for its length, and
 * {@link #endMessage} writes the length there, moving the message's bytes up when the length needs more than one
 * byte (messages over 127 bytes; one move per enclosing level, a memory copy). Where the length can be known
 * first, no move is needed: a string is sized with {@link #prepareString} before the messages around it are
 * opened with {@link #lengthDelimited}, and messages that enclose the whole body are {@linkplain #prepend prepended}
 * at the end into room left at the front. Strings are written as UTF-8 with
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
  /** Where the bytes written start: after the room left for {@link #prepend}. */
  private int start;
  private int position;
  /**
   * The chars of the string being written, copied out of it in one bulk copy: the loops below then read an array
   * the compiler can keep in registers and vectorize, instead of calling {@code charAt} per char.
   */
  private char[] chars = new char[256];
  /** The string whose chars are in {@link #chars}, and their count and UTF-8 size. */
  private @Nullable String loaded;
  private int loadedChars;
  private int loadedBytes;

  /** A writer whose buffer starts at {@code initialCapacity} bytes and grows as needed. */
  public ProtoWriter(int initialCapacity) {
    this(initialCapacity, 0);
  }

  /**
   * A writer that leaves {@code frontRoom} bytes free before what it writes, for {@link #prepend}: an enclosing
   * message whose length is known only at the end is written there, instead of moving everything after it.
   */
  public ProtoWriter(int initialCapacity, int frontRoom) {
    this.buffer = new byte[Math.max(16, frontRoom + initialCapacity)];
    this.start = frontRoom;
    this.position = frontRoom;
  }


  /** Bytes written so far. */
  public int size() {
    return position - start;
  }

  /** The bytes written, as a new array of exactly that size. */
  public byte[] toByteArray() {
    return Arrays.copyOfRange(buffer, start, position);
  }

  /** Writes the bytes written to {@code out}. */
  public void writeTo(OutputStream out) throws IOException {
    out.write(buffer, start, position - start);
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
    preparedStringField(field, value, prepareString(value));
  }

  /**
   * Reads {@code value} ahead of writing it and returns its UTF-8 size (lone surrogates counted as U+FFFD), so that
   * the messages enclosing it can be written with their exact lengths first; then write it with
   * {@link #preparedStringField}.
   */
  public int prepareString(String value) {
    int count = value.length();
    if (chars.length < count) {
      chars = new char[Math.max(count, chars.length * 2)];
    }
    value.getChars(0, count, chars, 0);
    loaded = value;
    loadedChars = count;
    loadedBytes = utf8Length(chars, count);
    return loadedBytes;
  }

  /** The string field {@link #prepareString} read {@code value} for; {@code bytes} is the size it returned. */
  public void preparedStringField(int field, String value, int bytes) {
    if (loaded != value || loadedBytes != bytes) {
      throw new IllegalStateException("fluxtrace: a string written that was not the one prepared");
    }
    tag(field, LENGTH_DELIMITED);
    varint32(bytes);
    ensure(bytes);
    position = writeUtf8(chars, loadedChars, buffer, position);
    loaded = null;
  }

  /** The key and length of a length-delimited field whose {@code length} bytes of contents are written next. */
  public void lengthDelimited(int field, int length) {
    tag(field, LENGTH_DELIMITED);
    varint32(length);
  }

  /** The size of a whole length-delimited field (key, length and contents) of {@code length} bytes. */
  public static int lengthDelimitedSize(int field, int length) {
    return varintSize(field << 3) + varintSize(length) + length;
  }

  /** A bytes field holding the id in {@code hex} (lowercase hex, even length) as its bytes. */
  public void hexBytesField(int field, String hex) {
    tag(field, LENGTH_DELIMITED);
    int count = hex.length();
    int length = count / 2;
    varint32(length);
    ensure(length);
    if (chars.length < count) {
      chars = new char[Math.max(count, chars.length * 2)];
    }
    hex.getChars(0, count, chars, 0);
    char[] c = chars;
    byte[] out = buffer;
    int at = position;
    for (int i = 0; i < length; i++) {
      out[at + i] = (byte) ((digit(c[2 * i]) << 4) | digit(c[2 * i + 1]));
    }
    position = at + length;
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
   * Writes {@code bytes} before everything written so far, into the room the constructor left: the last bytes
   * prepended come first.
   *
   * @throws IllegalStateException when the room left is too small
   */
  public void prepend(byte[] bytes) {
    if (bytes.length > start) {
      throw new IllegalStateException("fluxtrace: " + bytes.length + " bytes to prepend, room for " + start);
    }
    start -= bytes.length;
    System.arraycopy(bytes, 0, buffer, start, bytes.length);
  }

  /**
   * Prepends the key and length of a length-delimited field whose contents are the {@code length} bytes that follow
   * (see {@link #prepend(byte[])}).
   */
  public void prependLengthDelimited(int field, int length) {
    int key = (field << 3) | LENGTH_DELIMITED;
    int size = varintSize(key) + varintSize(length);
    if (size > start) {
      throw new IllegalStateException("fluxtrace: " + size + " bytes to prepend, room for " + start);
    }
    start -= size;
    int at = writeVarint(buffer, start, key);
    writeVarint(buffer, at, length);
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
    int from = mark + 1;
    int length = position - from;
    int lengthBytes = varintSize(length);
    if (lengthBytes > 1) {
      ensure(lengthBytes - 1);
      System.arraycopy(buffer, from, buffer, from + lengthBytes - 1, length);
      position += lengthBytes - 1;
    }
    writeVarint(buffer, mark, length);
  }

  private void varint32(int value) {
    ensure(5);
    position = writeVarint(buffer, position, value);
  }

  private static int writeVarint(byte[] out, int at, int value) {
    while ((value & ~0x7F) != 0) {
      out[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[at++] = (byte) value;
    return at;
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

  /**
   * The value of a lowercase hex digit, without a branch: ids are random, so a branch on digit-or-letter would be
   * mispredicted about every other char. '0'-'9' are 0x30-0x39 (bit 6 clear), 'a'-'f' are 0x61-0x66 (bit 6 set).
   */
  private static int digit(char c) {
    return (c & 0xF) + 9 * ((c >> 6) & 1);
  }

  /** The UTF-8 size of {@code text}, each lone surrogate counted as U+FFFD (three bytes). */
  static int utf8Length(String text) {
    return utf8Length(text.toCharArray(), text.length());
  }

  /** The UTF-8 size of the first {@code count} chars, each lone surrogate counted as U+FFFD (three bytes). */
  private static int utf8Length(char[] text, int count) {
    int i = 0;
    // ASCII prefix: the common case for ids, names and most content, one compare per char.
    while (i < count && text[i] < 0x80) {
      i++;
    }
    int bytes = count;
    for (; i < count; i++) {
      char c = text[i];
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < count && Character.isLowSurrogate(text[i + 1])) {
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
    return writeUtf8(text.toCharArray(), text.length(), out, at);
  }

  /** Writes the first {@code count} chars as UTF-8 at {@code at}, lone surrogates as U+FFFD. */
  private static int writeUtf8(char[] text, int count, byte[] out, int at) {
    int ascii = 0;
    while (ascii < count && text[ascii] < 0x80) {
      ascii++;
    }
    // A counted loop without exits: the compiler turns it into vector stores.
    for (int j = 0; j < ascii; j++) {
      out[at + j] = (byte) text[j];
    }
    at += ascii;
    for (int i = ascii; i < count; i++) {
      char c = text[i];
      if (c < 0x80) {
        out[at++] = (byte) c;
      } else if (c < 0x800) {
        out[at++] = (byte) (0xC0 | (c >>> 6));
        out[at++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < count && Character.isLowSurrogate(text[i + 1])) {
          int codePoint = Character.toCodePoint(c, text[++i]);
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
