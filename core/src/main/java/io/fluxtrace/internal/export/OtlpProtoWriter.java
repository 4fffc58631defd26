package io.fluxtrace.internal.export;

import com.fasterxml.jackson.core.SerializableString;
import io.fluxtrace.SpanData;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Writes ended spans as one OTLP {@code ExportTraceServiceRequest} in the protobuf binary form
 * ({@code application/x-protobuf}), by hand with {@link ProtoWriter}, field numbers from the official
 * {@code opentelemetry/proto} definitions ({@code collector/trace/v1/trace_service.proto}, {@code trace/v1/trace.proto},
 * {@code common/v1/common.proto}, {@code resource/v1/resource.proto}). What each span says comes from
 * {@link LangfuseAttributes}, exactly as for {@link OtlpJsonWriter}: the two wires carry the same request, which
 * {@code OtlpProtoWriterTest} checks by parsing both with the official definitions.
 *
 * <p>Thread-safe: each body is written into a buffer of its own. No buffer is kept between bodies: a kept buffer
 * would be memory outside the tracer's byte bound (measured: 12 MiB more live heap in {@code OutageHarness}).
 */
public final class OtlpProtoWriter {

  // ExportTraceServiceRequest
  private static final int REQUEST_RESOURCE_SPANS = 1;
  // ResourceSpans
  private static final int RESOURCE_SPANS_RESOURCE = 1;
  private static final int RESOURCE_SPANS_SCOPE_SPANS = 2;
  // Resource
  private static final int RESOURCE_ATTRIBUTES = 1;
  // ScopeSpans
  private static final int SCOPE_SPANS_SCOPE = 1;
  private static final int SCOPE_SPANS_SPANS = 2;
  // InstrumentationScope
  private static final int SCOPE_NAME = 1;
  private static final int SCOPE_VERSION = 2;
  // Span
  private static final int SPAN_TRACE_ID = 1;
  private static final int SPAN_SPAN_ID = 2;
  private static final int SPAN_PARENT_SPAN_ID = 4;
  private static final int SPAN_NAME = 5;
  private static final int SPAN_KIND = 6;
  private static final int SPAN_START_TIME = 7;
  private static final int SPAN_END_TIME = 8;
  private static final int SPAN_ATTRIBUTES = 9;
  private static final int SPAN_STATUS = 15;
  // Status
  private static final int STATUS_MESSAGE = 2;
  private static final int STATUS_CODE = 3;
  private static final int STATUS_CODE_ERROR = 2;
  // KeyValue, AnyValue, ArrayValue
  private static final int KEY_VALUE_KEY = 1;
  private static final int KEY_VALUE_VALUE = 2;
  private static final int ANY_STRING = 1;
  private static final int ANY_BOOL = 2;
  private static final int ANY_INT = 3;
  private static final int ANY_ARRAY = 5;
  private static final int ARRAY_VALUES = 1;

  /** The room left before the spans for what encloses them: two keys and two lengths of at most five bytes each. */
  private static final int ENCLOSING_ROOM = 12;

  private final LangfuseAttributes mapping;
  /** The {@code ResourceSpans.resource} field and the {@code ScopeSpans.scope} field: the same in every request. */
  private final byte[] resourceField;
  private final byte[] scopeField;

  /** A writer of what {@code mapping} says about each span. */
  public OtlpProtoWriter(LangfuseAttributes mapping) {
    this.mapping = mapping;
    ProtoWriter resource = new ProtoWriter(256);
    int message = resource.startMessage(RESOURCE_SPANS_RESOURCE);
    ProtoAttributes attributes = new ProtoAttributes(resource);
    attributes.field = RESOURCE_ATTRIBUTES;
    try {
      mapping.resource(attributes);
    } catch (IOException e) {
      throw new IllegalStateException("fluxtrace: writing to memory failed", e); // ProtoAttributes never throws
    }
    resource.endMessage(message);
    this.resourceField = resource.toByteArray();
    ProtoWriter scope = new ProtoWriter(64);
    message = scope.startMessage(SCOPE_SPANS_SCOPE);
    scope.stringField(SCOPE_NAME, LangfuseAttributes.SCOPE_NAME);
    scope.stringField(SCOPE_VERSION, LangfuseAttributes.SCOPE_VERSION);
    scope.endMessage(message);
    this.scopeField = scope.toByteArray();
  }

  /** The spans as an {@code ExportTraceServiceRequest} in protobuf binary form. */
  public byte[] encode(List<SpanData> spans) {
    return write(spans).toByteArray();
  }

  /** Writes the spans as an {@code ExportTraceServiceRequest} in protobuf binary form to {@code out}. */
  public void encode(List<SpanData> spans, OutputStream out) throws IOException {
    write(spans).writeTo(out);
  }

  /**
   * Writes the spans first, then prepends what encloses them (the request's one {@code ResourceSpans}: its resource,
   * and its one {@code ScopeSpans} with its scope), whose lengths are known only then: the body is never moved.
   */
  private ProtoWriter write(List<SpanData> spans) {
    int front = ENCLOSING_ROOM + resourceField.length + scopeField.length;
    ProtoWriter out = new ProtoWriter(estimateSize(spans), front);
    if (spans.isEmpty()) {
      return out;
    }
    ProtoAttributes attributes = new ProtoAttributes(out);
    LangfuseAttributes.Batch batch = mapping.batch();
    attributes.field = SPAN_ATTRIBUTES;
    for (SpanData span : spans) {
      int message = out.startMessage(SCOPE_SPANS_SPANS);
      writeSpan(out, span, batch, attributes);
      out.endMessage(message);
    }
    int scopeSpans = scopeField.length + out.size();
    out.prepend(scopeField);
    out.prependLengthDelimited(RESOURCE_SPANS_SCOPE_SPANS, scopeSpans);
    out.prepend(resourceField);
    out.prependLengthDelimited(REQUEST_RESOURCE_SPANS, out.size());
    return out;
  }

  private void writeSpan(ProtoWriter out, SpanData span, LangfuseAttributes.Batch batch, ProtoAttributes attributes) {
    out.hexBytesField(SPAN_TRACE_ID, mapping.traceId(span));
    out.hexBytesField(SPAN_SPAN_ID, mapping.spanId(span));
    String parent = mapping.parentSpanId(span);
    if (parent != null) {
      out.hexBytesField(SPAN_PARENT_SPAN_ID, parent);
    }
    out.stringField(SPAN_NAME, mapping.name(span));
    out.varintField(SPAN_KIND, mapping.kind(span));
    out.fixed64Field(SPAN_START_TIME, mapping.startEpochNanos(span));
    out.fixed64Field(SPAN_END_TIME, mapping.endEpochNanos(span));
    try {
      mapping.span(span, parent, batch, attributes);
    } catch (IOException e) {
      throw new IllegalStateException("fluxtrace: writing to memory failed", e); // ProtoAttributes never throws
    }
    if (mapping.isError(span)) {
      int status = out.startMessage(SPAN_STATUS);
      String message = mapping.statusMessage(span);
      if (message != null) {
        out.stringField(STATUS_MESSAGE, message);
      }
      out.varintField(STATUS_CODE, STATUS_CODE_ERROR);
      out.endMessage(status);
    }
  }

  /** OTLP {@code KeyValue}s as repeated field {@link #field} of the message being written. */
  private static final class ProtoAttributes implements AttributeSink {
    private final ProtoWriter out;
    int field;

    ProtoAttributes(ProtoWriter out) {
      this.out = out;
    }

    /**
     * A string attribute, its {@code KeyValue} and {@code AnyValue} lengths computed from the string's size first,
     * so that nothing is moved once written: content, the longest text sent, is copied once.
     */
    @Override
    public void string(SerializableString key, String value) {
      byte[] name = key.asUnquotedUTF8();
      int bytes = out.prepareString(value);
      int anyValue = ProtoWriter.lengthDelimitedSize(ANY_STRING, bytes);
      out.lengthDelimited(field, ProtoWriter.lengthDelimitedSize(KEY_VALUE_KEY, name.length)
          + ProtoWriter.lengthDelimitedSize(KEY_VALUE_VALUE, anyValue));
      out.bytesField(KEY_VALUE_KEY, name);
      out.lengthDelimited(KEY_VALUE_VALUE, anyValue);
      out.preparedStringField(ANY_STRING, value, bytes);
    }

    @Override
    public void integer(SerializableString key, long value) {
      long marks = start(key);
      out.varintField(ANY_INT, value); // int64: a negative value is ten bytes of two's complement, as protobuf does
      end(marks);
    }

    @Override
    public void bool(SerializableString key, boolean value) {
      long marks = start(key);
      out.boolField(ANY_BOOL, value);
      end(marks);
    }

    @Override
    public void strings(SerializableString key, List<String> values) {
      long marks = start(key);
      int array = out.startMessage(ANY_ARRAY);
      for (String value : values) {
        int element = out.startMessage(ARRAY_VALUES);
        out.stringField(ANY_STRING, value);
        out.endMessage(element);
      }
      out.endMessage(array);
      end(marks);
    }

    /** Opens the KeyValue and its AnyValue; returns both marks, packed in one long (no allocation). */
    private long start(SerializableString key) {
      int keyValue = out.startMessage(field);
      out.bytesField(KEY_VALUE_KEY, key.asUnquotedUTF8());
      int value = out.startMessage(KEY_VALUE_VALUE);
      return ((long) keyValue << 32) | (value & 0xFFFFFFFFL);
    }

    private void end(long marks) {
      out.endMessage((int) marks);
      out.endMessage((int) (marks >>> 32));
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
