package io.fluxtrace.testing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Parses OTLP/HTTP JSON payloads strictly, with the official OTLP protobuf definitions, so that any encoding
 * mistake fails a test. Shared with the other modules through fluxtrace-core's test-jar.
 *
 * <p>Strict means: valid UTF-8, well-formed Unicode (no lone surrogate, escaped or not), no duplicate keys,
 * trace and span ids as lowercase hex of the right length, and then protobuf's JSON parser without
 * {@code ignoringUnknownFields}, so a misspelled or misplaced field is an error. OTLP/JSON writes ids as hex
 * while proto3 JSON expects base64 for bytes, so the id fields are converted before protobuf sees them.
 */
public final class OtlpJson {

  private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
  private static final ObjectMapper TREE = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private OtlpJson() {}

  /**
   * The request in {@code json}: an OTLP/JSON {@code ExportTraceServiceRequest}, gzip-compressed or not.
   *
   * @throws IllegalArgumentException naming what is wrong, when the payload is not strictly valid
   */
  public static ExportTraceServiceRequest parse(byte[] json) {
    String text = decodeUtf8(gunzipIfNeeded(json));
    JsonNode root;
    try {
      root = TREE.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    requireWellFormedUnicode(root, "$");
    convertIds(root);
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    try {
      JsonFormat.parser().merge(root.toString(), request);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a valid ExportTraceServiceRequest: " + e.getMessage(), e);
    }
    return request.build();
  }

  /** Every span of the request, in order. */
  public static List<Span> spans(ExportTraceServiceRequest request) {
    List<Span> spans = new ArrayList<>();
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        spans.addAll(scopeSpans.getSpansList());
      }
    }
    return spans;
  }

  /** The only span of the request; fails if there is not exactly one. */
  public static Span singleSpan(ExportTraceServiceRequest request) {
    List<Span> spans = spans(request);
    if (spans.size() != 1) {
      throw new IllegalStateException("expected exactly one span, got " + spans.size());
    }
    return spans.get(0);
  }

  /** The attributes of the request's first resource. */
  public static Map<String, Object> resourceAttributes(ExportTraceServiceRequest request) {
    Resource resource = request.getResourceSpans(0).getResource();
    return attributes(resource.getAttributesList());
  }

  /** The span's trace id as lowercase hex. */
  public static String traceId(Span span) {
    return hex(span.getTraceId());
  }

  /** The span's id as lowercase hex. */
  public static String spanId(Span span) {
    return hex(span.getSpanId());
  }

  /** The span's parent id as lowercase hex, or null for a root span. */
  public static String parentSpanId(Span span) {
    return span.getParentSpanId().isEmpty() ? null : hex(span.getParentSpanId());
  }

  /** {@code bytes} as lowercase hex. */
  public static String hex(ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  /**
   * The span's attributes in order, with plain Java values: String, Long, Double, Boolean, and List of those for
   * arrays (key-value lists become Maps, bytes become ByteStrings).
   */
  public static Map<String, Object> attributes(Span span) {
    return attributes(span.getAttributesList());
  }

  /** Attributes as a map with plain Java values (see {@link #attributes(Span)}); a repeated key fails. */
  public static Map<String, Object> attributes(List<KeyValue> keyValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (KeyValue keyValue : keyValues) {
      Object previous = map.put(keyValue.getKey(), value(keyValue.getValue()));
      if (previous != null) {
        throw new IllegalStateException("attribute " + keyValue.getKey() + " appears twice");
      }
    }
    return map;
  }

  private static Object value(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> value.getBoolValue();
      case INT_VALUE -> value.getIntValue();
      case DOUBLE_VALUE -> value.getDoubleValue();
      case BYTES_VALUE -> value.getBytesValue();
      case ARRAY_VALUE -> {
        List<Object> list = new ArrayList<>();
        value.getArrayValue().getValuesList().forEach(v -> list.add(value(v)));
        yield list;
      }
      case KVLIST_VALUE -> attributes(value.getKvlistValue().getValuesList());
      default -> throw new IllegalStateException("unexpected attribute value: " + value.getValueCase());
    };
  }

  private static byte[] gunzipIfNeeded(byte[] bytes) {
    if (bytes.length < 2 || bytes[0] != (byte) 0x1f || bytes[1] != (byte) 0x8b) {
      return bytes;
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("not valid gzip", e);
    }
  }

  private static String decodeUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not valid UTF-8: " + e, e);
    }
  }

  private static void requireWellFormedUnicode(JsonNode node, String path) {
    if (node.isTextual()) {
      requireNoLoneSurrogate(node.textValue(), path);
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        requireNoLoneSurrogate(field.getKey(), path + " key");
        requireWellFormedUnicode(field.getValue(), path + "." + field.getKey());
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        requireWellFormedUnicode(node.get(i), path + "[" + i + "]");
      }
    }
  }

  private static void requireNoLoneSurrogate(String text, String path) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("lone surrogate at " + path + " index " + i);
      }
    }
  }

  private static void convertIds(JsonNode root) {
    for (JsonNode resourceSpans : root.path("resourceSpans")) {
      for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
        for (JsonNode span : scopeSpans.path("spans")) {
          if (!span.isObject()) {
            continue;
          }
          ObjectNode spanObject = (ObjectNode) span;
          convertId(spanObject, "traceId", TRACE_ID, true);
          convertId(spanObject, "spanId", SPAN_ID, true);
          convertId(spanObject, "parentSpanId", SPAN_ID, false);
          JsonNode links = span.path("links");
          if (links instanceof ArrayNode) {
            for (JsonNode link : links) {
              if (link.isObject()) {
                convertId((ObjectNode) link, "traceId", TRACE_ID, true);
                convertId((ObjectNode) link, "spanId", SPAN_ID, true);
              }
            }
          }
        }
      }
    }
  }

  private static void convertId(ObjectNode owner, String field, Pattern format, boolean required) {
    JsonNode id = owner.get(field);
    if (id == null || (!required && id.isTextual() && id.textValue().isEmpty())) {
      if (required) {
        throw new IllegalArgumentException("span without " + field + ": " + owner);
      }
      return;
    }
    if (!id.isTextual() || !format.matcher(id.textValue()).matches() || id.textValue().matches("0+")) {
      throw new IllegalArgumentException(field + " is not lowercase hex of the right length, or is zero: " + id);
    }
    byte[] bytes = HexFormat.of().parseHex(id.textValue());
    owner.set(field, TextNode.valueOf(Base64.getEncoder().encodeToString(bytes)));
  }
}
