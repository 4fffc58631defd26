package io.fluxtrace.internal.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.fluxtrace.SpanData;
import io.fluxtrace.internal.content.JsonText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Writes ended spans as one OTLP {@code ExportTraceServiceRequest} in the OTLP/JSON form, streamed with
 * Jackson's {@link JsonGenerator} (no tree per span): ids as lowercase hex, 64-bit integers and unix-nano times
 * as decimal strings, enums as integers. What each span says (its fields, repaired, and its attributes) comes
 * from {@link LangfuseAttributes}; this class knows only the OTLP/JSON envelope.
 *
 * <p>Thread-safe and stateless.
 */
public final class OtlpJsonWriter {

  /** OTLP {@code Status.StatusCode}. */
  private static final int STATUS_CODE_ERROR = 2;

  /** OTLP/JSON field names, quoted and UTF-8 encoded once. */
  private static final class Field {
    static final SerializableString TRACE_ID = new SerializedString("traceId");
    static final SerializableString SPAN_ID = new SerializedString("spanId");
    static final SerializableString PARENT_SPAN_ID = new SerializedString("parentSpanId");
    static final SerializableString NAME = new SerializedString("name");
    static final SerializableString KIND = new SerializedString("kind");
    static final SerializableString START_TIME_UNIX_NANO = new SerializedString("startTimeUnixNano");
    static final SerializableString END_TIME_UNIX_NANO = new SerializedString("endTimeUnixNano");
    static final SerializableString ATTRIBUTES = new SerializedString("attributes");
    static final SerializableString STATUS = new SerializedString("status");
    static final SerializableString CODE = new SerializedString("code");
    static final SerializableString MESSAGE = new SerializedString("message");
    static final SerializableString KEY = new SerializedString("key");
    static final SerializableString VALUE = new SerializedString("value");
    static final SerializableString STRING_VALUE = new SerializedString("stringValue");
    static final SerializableString INT_VALUE = new SerializedString("intValue");
    static final SerializableString BOOL_VALUE = new SerializedString("boolValue");
    static final SerializableString ARRAY_VALUE = new SerializedString("arrayValue");
    static final SerializableString VALUES = new SerializedString("values");
    static final SerializableString RESOURCE_SPANS = new SerializedString("resourceSpans");
    static final SerializableString RESOURCE = new SerializedString("resource");
    static final SerializableString SCOPE_SPANS = new SerializedString("scopeSpans");
    static final SerializableString SCOPE = new SerializedString("scope");
    static final SerializableString VERSION = new SerializedString("version");
    static final SerializableString SPANS = new SerializedString("spans");

    private Field() {}
  }

  private final JsonFactory factory;
  private final LangfuseAttributes mapping;

  /** A writer of what {@code mapping} says about each span. */
  public OtlpJsonWriter(LangfuseAttributes mapping) {
    this.factory = JsonFactory.builder()
        // Emoji and other supplementary characters as their 4 UTF-8 bytes rather than two escaped surrogates.
        .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .build();
    this.mapping = mapping;
  }

  /** The spans as an {@code ExportTraceServiceRequest} JSON document, in UTF-8. */
  public byte[] encode(List<SpanData> spans) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimateSize(spans));
    try {
      encode(spans, out);
    } catch (IOException e) {
      throw new UncheckedIOException("fluxtrace: writing to memory failed", e);
    }
    return out.toByteArray();
  }

  /**
   * Writes the spans as an {@code ExportTraceServiceRequest} JSON document, in UTF-8, to {@code out}, which is
   * flushed but not closed.
   *
   * @throws IOException only when {@code out} throws
   */
  public void encode(List<SpanData> spans, OutputStream out) throws IOException {
    try (JsonGenerator g = factory.createGenerator(out)) {
      JsonAttributes attributes = new JsonAttributes(g);
      g.writeStartObject();
      g.writeFieldName(Field.RESOURCE_SPANS);
      g.writeStartArray();
      if (!spans.isEmpty()) {
        g.writeStartObject();
        g.writeFieldName(Field.RESOURCE);
        g.writeStartObject();
        g.writeFieldName(Field.ATTRIBUTES);
        g.writeStartArray();
        mapping.resource(attributes);
        g.writeEndArray();
        g.writeEndObject();
        g.writeFieldName(Field.SCOPE_SPANS);
        g.writeStartArray();
        g.writeStartObject();
        g.writeFieldName(Field.SCOPE);
        g.writeStartObject();
        g.writeFieldName(Field.NAME);
        g.writeString(LangfuseAttributes.SCOPE_NAME);
        g.writeFieldName(Field.VERSION);
        g.writeString(LangfuseAttributes.SCOPE_VERSION);
        g.writeEndObject();
        g.writeFieldName(Field.SPANS);
        g.writeStartArray();
        LangfuseAttributes.Batch batch = mapping.batch();
        for (SpanData span : spans) {
          writeSpan(g, span, batch, attributes);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private void writeSpan(JsonGenerator g, SpanData span, LangfuseAttributes.Batch batch, JsonAttributes attributes)
      throws IOException {
    g.writeStartObject();
    g.writeFieldName(Field.TRACE_ID);
    g.writeString(mapping.traceId(span));
    g.writeFieldName(Field.SPAN_ID);
    g.writeString(mapping.spanId(span));
    String parent = mapping.parentSpanId(span);
    if (parent != null) {
      g.writeFieldName(Field.PARENT_SPAN_ID);
      g.writeString(parent);
    }
    g.writeFieldName(Field.NAME);
    g.writeString(mapping.name(span));
    g.writeFieldName(Field.KIND);
    g.writeNumber(mapping.kind(span));
    g.writeFieldName(Field.START_TIME_UNIX_NANO);
    g.writeString(Long.toString(mapping.startEpochNanos(span)));
    g.writeFieldName(Field.END_TIME_UNIX_NANO);
    g.writeString(Long.toString(mapping.endEpochNanos(span)));
    g.writeFieldName(Field.ATTRIBUTES);
    g.writeStartArray();
    mapping.span(span, parent, batch, attributes);
    g.writeEndArray();
    if (mapping.isError(span)) {
      g.writeFieldName(Field.STATUS);
      g.writeStartObject();
      g.writeFieldName(Field.CODE);
      g.writeNumber(STATUS_CODE_ERROR);
      String message = mapping.statusMessage(span);
      if (message != null) {
        g.writeFieldName(Field.MESSAGE);
        g.writeString(message);
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** OTLP/JSON {@code KeyValue}s into the generator's current array. */
  private static final class JsonAttributes implements AttributeSink {
    private final JsonGenerator g;

    JsonAttributes(JsonGenerator g) {
      this.g = g;
    }

    @Override
    public void string(SerializableString key, String value) throws IOException {
      start(key);
      g.writeFieldName(Field.STRING_VALUE);
      g.writeString(JsonText.sanitize(value)); // Jackson would escape a lone surrogate, not repair it
      end();
    }

    @Override
    public void integer(SerializableString key, long value) throws IOException {
      start(key);
      // OTLP/JSON writes int64 as a decimal string.
      g.writeFieldName(Field.INT_VALUE);
      g.writeString(Long.toString(value));
      end();
    }

    @Override
    public void bool(SerializableString key, boolean value) throws IOException {
      start(key);
      g.writeFieldName(Field.BOOL_VALUE);
      g.writeBoolean(value);
      end();
    }

    @Override
    public void strings(SerializableString key, List<String> values) throws IOException {
      start(key);
      g.writeFieldName(Field.ARRAY_VALUE);
      g.writeStartObject();
      g.writeFieldName(Field.VALUES);
      g.writeStartArray();
      for (String value : values) {
        g.writeStartObject();
        g.writeFieldName(Field.STRING_VALUE);
        g.writeString(value);
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      end();
    }

    /** Opens {@code {"key": key, "value": {}} so that the caller writes the one field of the value. */
    private void start(SerializableString key) throws IOException {
      g.writeStartObject();
      g.writeFieldName(Field.KEY);
      g.writeString(key);
      g.writeFieldName(Field.VALUE);
      g.writeStartObject();
    }

    private void end() throws IOException {
      g.writeEndObject();
      g.writeEndObject();
    }
  }

  private static int estimateSize(List<SpanData> spans) {
    long size = 512;
    for (SpanData span : spans) {
      size += 1024 + length(span.input()) + length(span.output()) + length(span.metadata());
    }
    return (int) Math.min(size, 64L * 1024 * 1024);
  }

  private static int length(@Nullable String text) {
    return text == null ? 0 : text.length();
  }
}
