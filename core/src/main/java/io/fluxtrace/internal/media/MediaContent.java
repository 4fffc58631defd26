package io.fluxtrace.internal.media;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One piece of media found in content: its bytes, content type, where it came from, its SHA-256 and the media id
 * and reference string Langfuse gives it.
 *
 * <p>The media id is derived from the SHA-256 as Langfuse's server derives it for new media (and as its Python and
 * JS SDKs do): the base64 SHA-256 made URL-safe, its first 22 characters. So the reference can be written into the
 * content at once, before the upload. A record Langfuse made before it derived ids gets another id back; the span
 * waits for its uploads (see {@link MediaUploader}), so its reference is corrected before it is exported.
 */
final class MediaContent {

  /** Langfuse's {@code MediaContentType}: the types its media API accepts. */
  static final Set<String> LANGFUSE_TYPES = Set.of(
      "image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif", "image/svg+xml", "image/tiff",
      "image/bmp", "image/avif", "image/heic",
      "audio/mpeg", "audio/mp3", "audio/wav", "audio/ogg", "audio/oga", "audio/aac", "audio/mp4", "audio/flac",
      "audio/opus", "audio/webm",
      "video/mp4", "video/webm", "video/ogg", "video/mpeg", "video/quicktime", "video/x-msvideo",
      "video/x-matroska",
      "text/plain", "text/html", "text/css", "text/csv", "text/markdown", "text/x-python",
      "application/javascript", "text/x-typescript", "application/x-yaml",
      "application/pdf", "application/msword", "application/vnd.ms-excel",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip",
      "application/json", "application/xml", "application/octet-stream",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
      "application/rtf", "application/x-ndjson", "application/vnd.apache.parquet", "application/gzip");

  /** The type of bytes whose type nobody said, and of media of a type Langfuse does not list. */
  static final String OCTET_STREAM = "application/octet-stream";
  static final String SOURCE_BYTES = "bytes";
  static final String SOURCE_DATA_URI = "base64_data_uri";

  private static final String DATA_PREFIX = "data:";
  /** A data URI's header ({@code data:<type>[;params];base64,}) is never longer than this. */
  private static final int MAX_HEADER_CHARS = 256;

  private byte @Nullable [] bytes;
  private final int length;
  private final String contentType;
  private final String source;
  private final String sha256;
  private final String mediaId;

  private MediaContent(byte[] bytes, String contentType, String source) {
    this.bytes = bytes;
    this.length = bytes.length;
    this.contentType = contentType;
    this.source = source;
    this.sha256 = Base64.getEncoder().encodeToString(digest(bytes));
    this.mediaId = mediaId(sha256);
  }

  /** Media of {@code bytes}; a type Langfuse does not list becomes {@value #OCTET_STREAM}. */
  static MediaContent of(byte[] bytes, String contentType, String source) {
    String type = contentType.toLowerCase(Locale.ROOT);
    return new MediaContent(bytes, LANGFUSE_TYPES.contains(type) ? type : OCTET_STREAM, source);
  }

  /** Whether {@code text} may be a data URI: a cheap test before {@link #ofDataUri}. */
  static boolean looksLikeDataUri(String text) {
    return text.length() > DATA_PREFIX.length() + 8 && text.regionMatches(true, 0, DATA_PREFIX, 0, DATA_PREFIX.length());
  }

  /**
   * The media of a {@code data:<type>[;...];base64,<payload>} string whose type Langfuse lists and whose payload
   * is valid, non-empty base64; null for any other string, which is then sent as it is.
   */
  static @Nullable MediaContent ofDataUri(String text) {
    if (!looksLikeDataUri(text)) {
      return null;
    }
    int comma = text.indexOf(',', DATA_PREFIX.length());
    if (comma < 0 || comma > MAX_HEADER_CHARS || comma == text.length() - 1) {
      return null;
    }
    String[] header = text.substring(DATA_PREFIX.length(), comma).split(";");
    boolean base64 = false;
    for (int i = 1; i < header.length; i++) {
      base64 |= header[i].trim().equalsIgnoreCase("base64");
    }
    String type = header[0].trim().toLowerCase(Locale.ROOT);
    if (!base64 || !LANGFUSE_TYPES.contains(type)) {
      return null;
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(text.substring(comma + 1).getBytes(StandardCharsets.ISO_8859_1));
    } catch (IllegalArgumentException e) {
      return null;
    }
    return decoded.length == 0 ? null : new MediaContent(decoded, type, SOURCE_DATA_URI);
  }

  /** Langfuse's id for media of this SHA-256 (base64): URL-safe, the first 22 characters (132 bits). */
  static String mediaId(String sha256Base64) {
    return sha256Base64.replace('+', '-').replace('/', '_').substring(0, 22);
  }

  /** Langfuse's media reference with {@code id}, which its UI renders in place of the media. */
  String reference(String id) {
    return "@@@langfuseMedia:type=" + contentType + "|id=" + id + "|source=" + source + "@@@";
  }

  /** The reference with the id derived from the bytes. */
  String reference() {
    return reference(mediaId);
  }

  /** What replaces media that is not uploaded: visible in the content, and saying why. */
  String placeholder(String why) {
    return placeholder(contentType, length, why);
  }

  static String placeholder(String contentType, long length, String why) {
    return "<fluxtrace: media " + contentType + ", " + length + " bytes, not uploaded: " + why + ">";
  }

  /** The bytes, until {@link #release()}. */
  byte @Nullable [] bytes() {
    return bytes;
  }

  /** Lets go of the bytes once the upload is settled, so a span waiting for export does not keep them. */
  void release() {
    bytes = null;
  }

  int length() {
    return length;
  }

  String contentType() {
    return contentType;
  }

  String sha256() {
    return sha256;
  }

  String mediaId() {
    return mediaId;
  }

  static byte[] digest(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public String toString() {
    return "MediaContent{" + contentType + ", " + length + " bytes, id " + mediaId + '}';
  }
}
