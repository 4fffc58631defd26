package io.fluxtrace.examples.backend;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Decodes an OTLP/HTTP protobuf {@code ExportTraceServiceRequest}, the tracer's default wire format, into
 * {@link ReceivedSpan}s with the official OTLP definitions: the same fields {@link OtlpJsonDecoder} reads.
 */
final class OtlpProtoDecoder {

  private static final HexFormat HEX = HexFormat.of();

  private OtlpProtoDecoder() {}

  /**
   * The spans in {@code protobuf}.
   *
   * @throws IllegalArgumentException when it is not an OTLP protobuf export request, or a span has no ids
   */
  static List<ReceivedSpan> decode(byte[] protobuf) {
    ExportTraceServiceRequest request;
    try {
      request = ExportTraceServiceRequest.parseFrom(protobuf);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not an OTLP protobuf ExportTraceServiceRequest: " + e.getMessage(), e);
    }
    List<ReceivedSpan> spans = new ArrayList<>();
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          spans.add(span(span));
        }
      }
    }
    return spans;
  }

  private static ReceivedSpan span(Span span) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    for (KeyValue attribute : span.getAttributesList()) {
      Object value = value(attribute.getValue());
      if (value != null) {
        attributes.put(attribute.getKey(), value);
      }
    }
    return new ReceivedSpan(
        requiredId(span.getTraceId(), "traceId"),
        requiredId(span.getSpanId(), "spanId"),
        span.getParentSpanId().isEmpty() ? null : HEX.formatHex(span.getParentSpanId().toByteArray()),
        span.getName(),
        span.getStartTimeUnixNano(),
        span.getEndTimeUnixNano(),
        attributes);
  }

  private static @Nullable Object value(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case INT_VALUE -> value.getIntValue();
      case DOUBLE_VALUE -> value.getDoubleValue();
      case BOOL_VALUE -> value.getBoolValue();
      case ARRAY_VALUE -> {
        List<Object> values = new ArrayList<>();
        for (AnyValue element : value.getArrayValue().getValuesList()) {
          Object v = value(element);
          if (v != null) {
            values.add(v);
          }
        }
        yield List.copyOf(values);
      }
      default -> null;
    };
  }

  private static String requiredId(ByteString id, String field) {
    if (id.isEmpty()) {
      throw new IllegalArgumentException("a span has no " + field);
    }
    return HEX.formatHex(id.toByteArray());
  }
}
