package io.fluxtrace.benchmarks;

import com.fasterxml.jackson.core.SerializableString;
import com.google.protobuf.ByteString;
import io.fluxtrace.SpanData;
import io.fluxtrace.internal.export.AttributeSink;
import io.fluxtrace.internal.export.LangfuseAttributes;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The same request as fluxtrace's hand-written {@code OtlpProtoWriter}, built the way protobuf-java is meant to be
 * used: message objects from the generated classes of the official definitions, then {@code toByteArray()}. Only
 * in the benchmarks, to measure the choice of writing protobuf by hand (the library jars do not depend on
 * protobuf-java, 1.8 MB, nor on the generated classes, 2.7 MB).
 */
final class ProtobufJavaWriter {

  private final LangfuseAttributes mapping;

  ProtobufJavaWriter(LangfuseAttributes mapping) {
    this.mapping = mapping;
  }

  byte[] encode(List<SpanData> spans) {
    Resource.Builder resource = Resource.newBuilder();
    sink(resource::addAttributes, mapping::resource);
    ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder()
        .setName(LangfuseAttributes.SCOPE_NAME).setVersion(LangfuseAttributes.SCOPE_VERSION));
    LangfuseAttributes.Batch batch = mapping.batch();
    for (SpanData span : spans) {
      String parent = mapping.parentSpanId(span);
      Span.Builder otlp = Span.newBuilder()
          .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(mapping.traceId(span))))
          .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(mapping.spanId(span))))
          .setName(mapping.name(span))
          .setKindValue(mapping.kind(span))
          .setStartTimeUnixNano(mapping.startEpochNanos(span))
          .setEndTimeUnixNano(mapping.endEpochNanos(span));
      if (parent != null) {
        otlp.setParentSpanId(ByteString.copyFrom(HexFormat.of().parseHex(parent)));
      }
      sink(otlp::addAttributes, out -> mapping.span(span, parent, batch, out));
      if (mapping.isError(span)) {
        Status.Builder status = Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_ERROR);
        String message = mapping.statusMessage(span);
        if (message != null) {
          status.setMessage(message);
        }
        otlp.setStatus(status);
      }
      scope.addSpans(otlp);
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().setResource(resource).addScopeSpans(scope))
        .build()
        .toByteArray();
  }

  private interface Mapping {
    void writeTo(AttributeSink sink) throws java.io.IOException;
  }

  private static void sink(Consumer<KeyValue> add, Mapping mapping) {
    AttributeSink sink = new AttributeSink() {
      @Override
      public void string(SerializableString key, String value) {
        add.accept(KeyValue.newBuilder().setKey(key.getValue())
            .setValue(AnyValue.newBuilder().setStringValue(repaired(value))).build());
      }

      @Override
      public void integer(SerializableString key, long value) {
        add.accept(KeyValue.newBuilder().setKey(key.getValue())
            .setValue(AnyValue.newBuilder().setIntValue(value)).build());
      }

      @Override
      public void bool(SerializableString key, boolean value) {
        add.accept(KeyValue.newBuilder().setKey(key.getValue())
            .setValue(AnyValue.newBuilder().setBoolValue(value)).build());
      }

      @Override
      public void strings(SerializableString key, List<String> values) {
        ArrayValue.Builder array = ArrayValue.newBuilder();
        for (String value : values) {
          array.addValues(AnyValue.newBuilder().setStringValue(value));
        }
        add.accept(KeyValue.newBuilder().setKey(key.getValue())
            .setValue(AnyValue.newBuilder().setArrayValue(array)).build());
      }
    };
    try {
      mapping.writeTo(sink);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** protobuf-java would write a lone surrogate as '?': repaired first, as the sinks must. */
  private static String repaired(@Nullable String value) {
    return io.fluxtrace.internal.content.JsonText.sanitize(value == null ? "" : value);
  }
}
