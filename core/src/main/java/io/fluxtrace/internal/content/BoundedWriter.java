package io.fluxtrace.internal.content;

import java.io.IOException;
import java.io.Writer;
import java.nio.CharBuffer;

/**
 * Collects serialized text until its UTF-8 size would pass a limit, then refuses further writes, so that
 * serializing a 50 MB object for a 1 MB limit stops after about 1 MB instead of building the whole string.
 * Not thread-safe; one per serialization.
 */
final class BoundedWriter extends Writer {

  /** Thrown to stop the serializer; carries no stack trace because it is expected and frequent enough. */
  static final class LimitReached extends IOException {
    private static final long serialVersionUID = 1L;

    LimitReached() {
      super("fluxtrace: value limit reached", null);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private static final LimitReached LIMIT_REACHED = new LimitReached();

  private final StringBuilder text = new StringBuilder(64);
  private final long maxBytes;
  private long bytes;
  private boolean limitReached;

  BoundedWriter(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public void write(char[] chars, int offset, int length) throws IOException {
    write(CharBuffer.wrap(chars), offset, length);
  }

  @Override
  public void write(String string, int offset, int length) throws IOException {
    write((CharSequence) string, offset, length);
  }

  /** Appends the chunk at once when it fits, else char by char up to the limit. */
  private void write(CharSequence chars, int offset, int length) throws IOException {
    long size = 0;
    for (int i = offset; i < offset + length; i++) {
      size += size(chars.charAt(i));
    }
    if (!limitReached && bytes + size <= maxBytes) {
      bytes += size;
      text.append(chars, offset, offset + length);
      return;
    }
    for (int i = offset; i < offset + length; i++) {
      append(chars.charAt(i));
    }
  }

  @Override
  public void write(int c) throws IOException {
    append((char) c);
  }

  @Override
  public Writer append(char c) throws IOException {
    if (limitReached) {
      throw LIMIT_REACHED;
    }
    int size = size(c);
    if (bytes + size > maxBytes) {
      limitReached = true;
      throw LIMIT_REACHED;
    }
    bytes += size;
    text.append(c);
    return this;
  }

  /** UTF-8 bytes per char: a surrogate pair counts 2 + 2, exactly its 4 bytes. */
  private static int size(char c) {
    return c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}

  /** Whether the text passed the limit; what was collected is then a prefix. */
  boolean limitReached() {
    return limitReached;
  }

  /** What was collected so far. */
  StringBuilder text() {
    return text;
  }

  /** The UTF-8 size of what was collected (a lone surrogate counts 2, not the 3 of its replacement). */
  long bytes() {
    return bytes;
  }
}
