package io.fluxtrace.examples.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Decodes an OTLP/HTTP JSON {@code ExportTraceServiceRequest} (a tracer set to {@code http/json}) into
 * {@link ReceivedSpan}s: only what the examples print. Ids arrive as hex, 64-bit integers and times as decimal
 * strings. {@link OtlpProtoDecoder} reads the same fields from protobuf.
 */
final class OtlpJsonDecoder {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OtlpJsonDecoder() {}

  /**
   * The spans in {@code json}.
   *
   * @throws IllegalArgumentException when it is not an OTLP JSON export request
   */
  static List<ReceivedSpan> decode(byte[] json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.path("resourceSpans").isArray()) {
      throw new IllegalArgumentException("not an OTLP ExportTraceServiceRequest: no resourceSpans array");
    }
    List<ReceivedSpan> spans = new ArrayList<>();
    for (JsonNode resourceSpans : root.path("resourceSpans")) {
      for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
        for (JsonNode span : scopeSpans.path("spans")) {
          spans.add(span(span));
        }
      }
    }
    return spans;
  }

  private static ReceivedSpan span(JsonNode span) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    for (JsonNode attribute : span.path("attributes")) {
      Object value = value(attribute.path("value"));
      if (value != null) {
        attributes.put(required(attribute, "key"), value);
      }
    }
    String parent = span.path("parentSpanId").asText("");
    return new ReceivedSpan(
        required(span, "traceId"),
        required(span, "spanId"),
        parent.isEmpty() ? null : parent,
        span.path("name").asText(""),
        span.path("startTimeUnixNano").asLong(),
        span.path("endTimeUnixNano").asLong(),
        attributes);
  }

  private static @Nullable Object value(JsonNode value) {
    if (value.has("stringValue")) {
      return value.get("stringValue").asText();
    }
    if (value.has("intValue")) {
      return value.get("intValue").asLong();
    }
    if (value.has("doubleValue")) {
      return value.get("doubleValue").asDouble();
    }
    if (value.has("boolValue")) {
      return value.get("boolValue").asBoolean();
    }
    if (value.has("arrayValue")) {
      List<Object> values = new ArrayList<>();
      for (JsonNode element : value.path("arrayValue").path("values")) {
        Object v = value(element);
        if (v != null) {
          values.add(v);
        }
      }
      return List.copyOf(values);
    }
    return null;
  }

  private static String required(JsonNode node, String field) {
    String text = node.path(field).asText("");
    if (text.isEmpty()) {
      throw new IllegalArgumentException("a span or attribute has no " + field);
    }
    return text;
  }
}
