package io.fluxtrace;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

/**
 * Binary content (an image, audio, a PDF) put in a span's input, output or metadata, anywhere inside the value:
 * {@code span.input(Map.of("prompt", text, "image", Media.of(png, "image/png")))}. A tracer that exports to
 * Langfuse uploads it through Langfuse's media API and sends Langfuse's media reference in its place, which
 * Langfuse's UI renders; see {@code docs/media.md}. Byte arrays and {@code data:<type>;base64,...} strings found
 * in content are handled the same way without this wrapper; use it to give bytes their content type.
 *
 * <p>Where media is not uploaded (another OTLP backend, media upload turned off), a {@code Media} is sent inline
 * as its data URI, subject to the value size limit like any other content.
 *
 * <p>Immutable as long as the array passed to {@link #of} is not changed afterwards: it is not copied, because
 * media is large.
 */
public final class Media {

  private final byte[] bytes;
  private final String contentType;

  private Media(byte[] bytes, String contentType) {
    this.bytes = bytes;
    this.contentType = contentType;
  }

  /**
   * Media of {@code contentType} (a MIME type such as {@code image/png}, {@code audio/wav} or
   * {@code application/pdf}; Langfuse stores the types its media API lists, others are sent as
   * {@code application/octet-stream}).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code contentType} is not of the form {@code type/subtype}
   */
  public static Media of(byte[] bytes, String contentType) {
    Objects.requireNonNull(bytes, "bytes");
    Objects.requireNonNull(contentType, "contentType");
    String type = contentType.trim().toLowerCase(Locale.ROOT);
    int slash = type.indexOf('/');
    if (slash <= 0 || slash == type.length() - 1 || type.indexOf('/', slash + 1) >= 0
        || !type.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ';' && c != '|' && c != '@')) {
      throw new IllegalArgumentException("fluxtrace: Media contentType must be a MIME type such as image/png, got '"
          + contentType + "'");
    }
    return new Media(bytes, type);
  }

  /** The MIME type, lower case. */
  public String contentType() {
    return contentType;
  }

  /** The size in bytes. */
  public int length() {
    return bytes.length;
  }

  /** The bytes themselves, not a copy: do not modify them. */
  public byte[] bytes() {
    return bytes;
  }

  /** The content as a {@code data:} URI, which is how Jackson writes it where media is not uploaded. */
  @JsonValue
  String toDataUri() {
    return "data:" + contentType + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  /** The type and size, never the content. */
  @Override
  public String toString() {
    return "Media{" + contentType + ", " + bytes.length + " bytes}";
  }
}
