package io.fluxtrace.internal.media;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.fluxtrace.Media;
import io.fluxtrace.internal.content.ContentEncoder;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Jackson serializers that find media wherever it is inside a value (a field of a bean, a record component, a map
 * value, a list element) while the value is serialized, so that no copy of the value is made to look for it: a
 * {@link Media}, a {@code byte[]} and a string that is a base64 data URI are written as the reference (or
 * placeholder) {@link MediaUploader#admit} returns. Active only when the write carries a {@link Scope} attribute;
 * otherwise they write what Jackson would (a byte array as base64, a {@code Media} as its data URI).
 *
 * <p>Registered on a copy of the tracer's mapper, so the application's own mapper is not changed.
 */
final class MediaModule extends SimpleModule {

  private static final long serialVersionUID = 1L;

  /** The attribute key of the span and field being encoded. */
  static final Object SCOPE = Scope.class;

  /** Which span's field is being encoded. */
  record Scope(ContentEncoder.SpanIds span, String field) {}

  MediaModule(MediaUploader uploader) {
    super("fluxtrace-media");
    addSerializer(byte[].class, new BytesSerializer(uploader));
    addSerializer(Media.class, new MediaSerializer(uploader));
    addSerializer(String.class, new DataUriSerializer(uploader));
  }

  private static @Nullable Scope scope(SerializerProvider provider) {
    return provider.getAttribute(SCOPE) instanceof Scope scope ? scope : null;
  }

  private static final class BytesSerializer extends StdSerializer<byte[]> {
    private static final long serialVersionUID = 1L;
    private final transient MediaUploader uploader;

    BytesSerializer(MediaUploader uploader) {
      super(byte[].class);
      this.uploader = uploader;
    }

    @Override
    public boolean isEmpty(SerializerProvider provider, byte[] value) {
      return value.length == 0;
    }

    @Override
    public void serialize(byte[] value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      Scope scope = scope(provider);
      MediaContent content = scope == null ? null : MediaUploader.content(value);
      if (scope == null || content == null) {
        gen.writeBinary(provider.getConfig().getBase64Variant(), value, 0, value.length);
        return;
      }
      gen.writeString(uploader.admit(content, scope.span(), scope.field()));
    }
  }

  private static final class MediaSerializer extends StdSerializer<Media> {
    private static final long serialVersionUID = 1L;
    private final transient MediaUploader uploader;

    MediaSerializer(MediaUploader uploader) {
      super(Media.class);
      this.uploader = uploader;
    }

    @Override
    public void serialize(Media value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      Scope scope = scope(provider);
      MediaContent content = scope == null ? null : MediaUploader.content(value);
      if (scope == null || content == null) {
        gen.writeString(value.length() == 0 ? "" : "data:" + value.contentType() + ";base64,"
            + java.util.Base64.getEncoder().encodeToString(value.bytes()));
        return;
      }
      gen.writeString(uploader.admit(content, scope.span(), scope.field()));
    }
  }

  private static final class DataUriSerializer extends StdSerializer<String> {
    private static final long serialVersionUID = 1L;
    private final transient MediaUploader uploader;

    DataUriSerializer(MediaUploader uploader) {
      super(String.class);
      this.uploader = uploader;
    }

    @Override
    public boolean isEmpty(SerializerProvider provider, String value) {
      return value.isEmpty();
    }

    @Override
    public void serialize(String value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      Scope scope = scope(provider);
      if (scope != null && MediaContent.looksLikeDataUri(value)) {
        MediaContent content = MediaContent.ofDataUri(value);
        if (content != null) {
          gen.writeString(uploader.admit(content, scope.span(), scope.field()));
          return;
        }
      }
      gen.writeString(value);
    }
  }
}
