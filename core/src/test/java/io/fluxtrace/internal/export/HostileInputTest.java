package io.fluxtrace.internal.export;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static io.fluxtrace.testing.OtlpJson.spans;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TestConfigs;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TracerStats;
import io.fluxtrace.internal.content.DefaultObjectMapper;
import io.fluxtrace.internal.content.JsonObjectText;
import io.fluxtrace.internal.content.JsonText;
import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.internal.span.SpanFixture;
import io.fluxtrace.testing.HostileValues.ExceptionWithThrowingMessage;
import io.fluxtrace.testing.HostileValues.SelfReference;
import io.fluxtrace.testing.HostileValues.ThrowingGetter;
import io.fluxtrace.testing.HostileValues.ThrowingToString;
import io.fluxtrace.testing.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Whatever an application puts into a span, the export stays a strictly valid OTLP request (Langfuse rejects a
 * whole export for one malformed span), nothing is thrown at the application, and every replacement is visible
 * and counted. Each test records spans the way the tracer does, encodes them, and parses the payload strictly.
 */
class HostileInputTest {

  private static final int LIMIT = 1024 * 1024;
  private static final String TEN_MB = "x".repeat(10 * 1024 * 1024);

  private final ObjectMapper json = new ObjectMapper();
  private final OtlpJsonWriter encoder = new OtlpJsonWriter(LangfuseAttributes.of(TestConfigs.config()));
  private final OtlpProtoWriter proto = new OtlpProtoWriter(LangfuseAttributes.of(TestConfigs.config()));
  private SpanFixture fixture = new SpanFixture(LIMIT);

  /**
   * Whatever each test recorded must also encode as one valid batch, and the protobuf wire (the default) must carry
   * exactly the request the JSON wire carries, both parsed with the official definitions.
   */
  @AfterEach
  void everythingRecordedEncodesAsOneValidBatchTheSameInBothWireFormats() throws Exception {
    List<SpanData> all = fixture.ended();
    ExportTraceServiceRequest fromJson = OtlpJson.parse(encoder.encode(all));
    assertThat(spans(fromJson)).hasSameSizeAs(all);
    ExportTraceServiceRequest fromProto = ExportTraceServiceRequest.parseFrom(proto.encode(all));
    assertThat(fromProto.getUnknownFields().asMap()).isEmpty();
    assertThat(fromProto).isEqualTo(fromJson);
  }

  private RecordingSpan span(String name) {
    return fixture.root(name, ObservationType.SPAN, TraceAttributes.EMPTY);
  }

  /** Encodes the last span recorded and parses it strictly. */
  private Span exported() {
    List<SpanData> ended = fixture.ended();
    List<Span> otlp = spans(OtlpJson.parse(encoder.encode(ended)));
    return otlp.get(otlp.size() - 1);
  }

  private Map<String, Object> exportedAttributes() {
    return attributes(exported());
  }

  private JsonNode parsedAttribute(String key) throws Exception {
    return json.readTree((String) Objects.requireNonNull(exportedAttributes().get(key), key));
  }

  private static String string(Map<String, Object> attributes, String key) {
    return (String) Objects.requireNonNull(attributes.get(key), key);
  }

  private TracerStats stats() {
    return fixture.metrics.snapshot();
  }

  @Test
  void unicodeOfEveryKindTravelsUnchanged() throws Exception {
    String text = "emoji \uD83D\uDE00\uD83D\uDC69\u200D\uD83D\uDCBB CJK \u4e2d\u6587 RTL \u05e9\u05dc\u05d5\u05dd "
        + "combining e\u0301 BOM \uFEFF separators \u2028\u2029 max \uDBFF\uDFFF nonchar \uFFFF";
    span(text).input(text).metadata(text, text).end();

    Span otlp = exported();

    assertThat(otlp.getName()).isEqualTo(text);
    assertThat(parsedAttribute("langfuse.observation.input").textValue()).isEqualTo(text);
    assertThat(parsedAttribute("langfuse.observation.metadata").get(text).textValue()).isEqualTo(text);
  }

  @Test
  void loneSurrogatesEverywhereBecomeReplacementCharacters() throws Exception {
    String broken = "a\uD800b\uDC00c\uD83D";
    TraceAttributes attributes = TraceAttributes.builder().userId(broken).sessionId(broken).traceName(broken)
        .tags(broken).metadata(broken, broken).release(broken).version(broken).build();
    fixture.root(broken, ObservationType.GENERATION, attributes).input(broken).output(List.of(broken))
        .metadata(broken, broken).model(broken).prompt(broken, 1).statusMessage(broken).end();

    Span otlp = exported();

    String fixed = "a\uFFFDb\uFFFDc\uFFFD";
    assertThat(otlp.getName()).isEqualTo(fixed);
    assertThat(attributes(otlp))
        .containsEntry("langfuse.user.id", fixed)
        .containsEntry("langfuse.session.id", fixed)
        .containsEntry("langfuse.trace.name", fixed)
        .containsEntry("langfuse.trace.tags", List.of(fixed))
        .containsEntry("langfuse.release", fixed)
        .containsEntry("langfuse.observation.model.name", fixed)
        .containsEntry("langfuse.observation.prompt.name", fixed)
        .containsEntry("langfuse.observation.status_message", fixed);
    assertThat(parsedAttribute("langfuse.observation.input").textValue()).isEqualTo(fixed);
    assertThat(parsedAttribute("langfuse.observation.output").get(0).textValue()).isEqualTo(fixed);
    assertThat(parsedAttribute("langfuse.observation.metadata").get(fixed).textValue()).isEqualTo(fixed);
    assertThat(parsedAttribute("langfuse.trace.metadata").get(fixed).textValue()).isEqualTo(fixed);
  }

  @Test
  void controlCharactersAreEscapedAndRoundTrip() throws Exception {
    StringBuilder controls = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      controls.append(c);
    }
    controls.append('\u007f').append('"').append('\\');
    String text = controls.toString();
    span(text).input(text).statusMessage(text).end();

    Span otlp = exported();

    assertThat(otlp.getName()).isEqualTo(text);
    assertThat(attributes(otlp)).containsEntry("langfuse.observation.status_message", text);
    assertThat(parsedAttribute("langfuse.observation.input").textValue()).isEqualTo(text);
  }

  @Test
  void nanAndInfinitiesBecomeStringsAndAreRefusedAsCost() throws Exception {
    Map<String, Object> numbers = new LinkedHashMap<>();
    numbers.put("nan", Double.NaN);
    numbers.put("inf", Double.POSITIVE_INFINITY);
    numbers.put("-inf", Float.NEGATIVE_INFINITY);
    fixture.root("numbers", ObservationType.GENERATION, TraceAttributes.EMPTY).input(numbers)
        .output(Double.NaN).metadata("inf", Double.NEGATIVE_INFINITY)
        .cost("input", Double.NaN).cost("output", Double.POSITIVE_INFINITY).cost("total", 1.5)
        .usage("input", -1).modelParameter("temperature", Double.NaN).end();

    Map<String, Object> attributes = exportedAttributes();

    assertThat(parsedAttribute("langfuse.observation.input").toString())
        .isEqualTo("{\"nan\":\"NaN\",\"inf\":\"Infinity\",\"-inf\":\"-Infinity\"}");
    assertThat(attributes).containsEntry("langfuse.observation.output", "\"NaN\"")
        .containsEntry("langfuse.observation.metadata", "{\"inf\":\"-Infinity\"}")
        .containsEntry("langfuse.observation.model.parameters", "{\"temperature\":\"NaN\"}")
        .containsEntry("langfuse.observation.cost_details", "{\"total\":1.5}")
        .doesNotContainKey("langfuse.observation.usage_details");
    assertThat(stats().invalidValuesDropped()).isEqualTo(3);
  }

  @Test
  void tenMegabyteValuesAreCutToTheLimitWithAMarker() throws Exception {
    span("huge").input(TEN_MB).output(Map.of("text", TEN_MB)).metadata("blob", TEN_MB).statusMessage(TEN_MB).end();

    byte[] payload = encoder.encode(fixture.ended());
    Map<String, Object> attributes = attributes(spans(OtlpJson.parse(payload)).get(0));

    assertThat(payload.length).isLessThan(5 * LIMIT);
    String input = string(attributes, "langfuse.observation.input");
    assertThat(input.length()).isLessThanOrEqualTo(LIMIT);
    assertThat(json.readTree(input).textValue()).startsWith("xxx").endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(json.readTree(string(attributes, "langfuse.observation.output")).textValue())
        .startsWith("{\"text\":\"xxx").endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(json.readTree(string(attributes, "langfuse.observation.metadata")).get("blob").textValue())
        .endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(string(attributes, "langfuse.observation.status_message")).hasSizeLessThanOrEqualTo(LIMIT)
        .endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(stats().contentTruncated()).isEqualTo(4);
  }

  @Test
  void tenMegabyteTraceAttributesAreCappedByTheEncoder() throws Exception {
    TraceAttributes attributes = TraceAttributes.builder().userId(TEN_MB).traceName(TEN_MB).sessionId(TEN_MB)
        .metadata("blob", TEN_MB).metadata("small", "kept?").tags(TEN_MB).build();
    fixture.root(TEN_MB, ObservationType.SPAN, attributes).end();

    Span otlp = exported();

    assertThat(otlp.getName()).hasSizeLessThanOrEqualTo(LangfuseAttributes.MAX_SHORT_TEXT_BYTES)
        .endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(string(attributes(otlp), "langfuse.user.id"))
        .hasSizeLessThanOrEqualTo(LangfuseAttributes.MAX_SHORT_TEXT_BYTES);
    assertThat(string(attributes(otlp), "langfuse.session.id"))
        .hasSizeLessThanOrEqualTo(LangfuseAttributes.MAX_SHORT_TEXT_BYTES);
    String metadata = string(attributes(otlp), "langfuse.trace.metadata");
    assertThat(metadata.length()).isLessThanOrEqualTo(LIMIT);
    assertThat(json.readTree(metadata).get("blob").textValue()).endsWith(JsonText.TRUNCATED_MARKER);
  }

  @Test
  void tenThousandLevelsOfNestingBecomeAPlaceholder() throws Exception {
    Map<String, Object> deep = new HashMap<>();
    Map<String, Object> current = deep;
    for (int i = 0; i < 10_000; i++) {
      Map<String, Object> next = new HashMap<>();
      current.put("child", next);
      current = next;
    }
    span("deep").input(deep).end();

    assertThat(parsedAttribute("langfuse.observation.input").textValue())
        .isEqualTo("<fluxtrace: unserializable java.util.HashMap: nested too deeply, probably a cycle>");
    assertThat(stats().contentReplaced()).isEqualTo(1);
  }

  @Test
  void deepNestingWithAnUnlimitedApplicationMapperOverflowsTheStackAndIsCaught() throws Exception {
    ObjectMapper unlimited = new ObjectMapper();
    unlimited.getFactory().setStreamWriteConstraints(
        StreamWriteConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build());
    fixture = new SpanFixture(unlimited, ContentMasker.none(), LIMIT);
    Object deep = "bottom";
    for (int i = 0; i < 200_000; i++) {
      deep = List.of(deep);
    }
    span("overflow").output(deep).end();

    assertThat(parsedAttribute("langfuse.observation.output").textValue())
        .startsWith("<fluxtrace: unserializable java.util.ImmutableCollections")
        .contains("stack overflow");
    assertThat(stats().contentReplaced()).isEqualTo(1);
  }

  @Test
  void cyclesBecomeAPlaceholder() throws Exception {
    List<Object> cycle = new ArrayList<>();
    cycle.add("start");
    cycle.add(cycle);
    SelfReference self = new SelfReference();
    span("cycles").input(cycle).output(self).end();

    assertThat(parsedAttribute("langfuse.observation.input").textValue())
        .startsWith("<fluxtrace: unserializable java.util.ArrayList: nested too deeply");
    assertThat(parsedAttribute("langfuse.observation.output").textValue())
        .startsWith("<fluxtrace: unserializable " + SelfReference.class.getName() + ": Direct self-reference");
    assertThat(stats().contentReplaced()).isEqualTo(2);
  }

  @Test
  void throwingGettersAndToStringNeverReachTheApplication() throws Exception {
    span("throwing").input(new ThrowingGetter()).output(new ThrowingToString())
        .metadata("getter", new ThrowingGetter())
        .endWithError(new ExceptionWithThrowingMessage());

    Span otlp = exported();

    assertThat(parsedAttribute("langfuse.observation.input").textValue())
        .isEqualTo("<fluxtrace: unserializable " + ThrowingGetter.class.getName()
            + ": java.lang.IllegalStateException thrown while serializing>");
    assertThat(attributes(otlp)).containsEntry("langfuse.observation.output", "{}");
    assertThat(parsedAttribute("langfuse.observation.metadata").get("getter").textValue())
        .startsWith("<fluxtrace: unserializable");
    assertThat(otlp.getStatus().getMessage()).startsWith(ExceptionWithThrowingMessage.class.getName())
        .contains("message unavailable");
    assertThat(stats().contentReplaced()).isEqualTo(2);
  }

  @Test
  void nullMapKeysAreWrittenAsTheStringNull() throws Exception {
    Map<String, Object> nullKey = new LinkedHashMap<>();
    nullKey.put(null, "value");
    nullKey.put("other", null);
    span("null-keys").input(nullKey).end();

    assertThat(parsedAttribute("langfuse.observation.input").toString())
        .isEqualTo("{\"null\":\"value\",\"other\":null}");
    assertThat(stats().contentReplaced()).isZero();
  }

  @Test
  void emptyAndBlankNamesStillMakeValidSpans() {
    span("").end();
    fixture.root(" \t\n", ObservationType.EVENT, TraceAttributes.builder().traceName("").userId("").build()).end();

    List<Span> otlp = spans(OtlpJson.parse(encoder.encode(fixture.ended())));

    assertThat(otlp).extracting(Span::getName).containsExactly("unnamed", "unnamed");
    assertThat(attributes(otlp.get(1))).containsEntry("langfuse.observation.type", "event")
        .containsEntry("langfuse.trace.name", "");
  }

  @Test
  void aHugeTagListIsCapped() {
    List<String> tags = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      tags.add("tag-" + i);
    }
    fixture.root("tags", ObservationType.SPAN, TraceAttributes.builder().tags(tags).build()).end();

    @SuppressWarnings("unchecked")
    List<Object> sent = (List<Object>) exportedAttributes().get("langfuse.trace.tags");

    assertThat(sent).hasSize(LangfuseAttributes.MAX_TAGS).startsWith("tag-0", "tag-1");
  }

  @Test
  void objectsJacksonCannotDescribeStillProduceValidJson() throws Exception {
    Map<String, Object> odd = new LinkedHashMap<>();
    odd.put("thread", Thread.currentThread());
    odd.put("stream", new ByteArrayInputStream(new byte[] {1, 2, 3}));
    odd.put("lambda", (Runnable) () -> { });
    odd.put("class", String.class);
    odd.put("bytes", new byte[] {1, 2, 3});
    odd.put("object", new Object());
    span("odd").metadata("odd", odd).input(Thread.currentThread()).output(new Object[] {null, odd}).end();

    Map<String, Object> attributes = exportedAttributes();

    for (String key : List.of("langfuse.observation.input", "langfuse.observation.output",
        "langfuse.observation.metadata")) {
      assertThat(json.readTree(string(attributes, key))).as(key).isNotNull();
    }
  }

  @Test
  void aMaskerThatThrowsReplacesEveryPieceOfContentWithTheMarker() throws Exception {
    fixture = new SpanFixture(DefaultObjectMapper.create(), (kind, value) -> {
      throw new IllegalStateException("masker bug");
    }, LIMIT);
    fixture.root("masked", ObservationType.SPAN, TraceAttributes.builder().metadata("tenant", "acme").build())
        .input("secret").output("secret").metadata("a", "secret").metadata("b", "secret")
        .statusMessage("secret").end();

    Map<String, Object> attributes = exportedAttributes();

    String marker = ContentMasker.FAILED_MARKER;
    assertThat(attributes).containsEntry("langfuse.observation.input", "\"" + marker + "\"")
        .containsEntry("langfuse.observation.output", "\"" + marker + "\"")
        .containsEntry("langfuse.observation.status_message", marker);
    assertThat(parsedAttribute("langfuse.observation.metadata").get("a").textValue()).isEqualTo(marker);
    assertThat(parsedAttribute("langfuse.trace.metadata").get("tenant").textValue()).isEqualTo(marker);
    assertThat(attributes.toString()).doesNotContain("secret", "acme");
    assertThat(stats().maskingFailures()).isEqualTo(6);
  }

  @Test
  void aMaskerThatReturnsNullDropsTheContent() {
    fixture = new SpanFixture(DefaultObjectMapper.create(), (kind, value) -> null, LIMIT);
    fixture.root("dropped", ObservationType.SPAN, TraceAttributes.builder().metadata("tenant", "acme").build())
        .input("secret").output("secret").metadata("a", "secret").statusMessage("secret").end();

    assertThat(exportedAttributes()).doesNotContainKeys("langfuse.observation.input",
        "langfuse.observation.output", "langfuse.observation.metadata", "langfuse.observation.status_message",
        "langfuse.trace.metadata");
    assertThat(stats().maskingFailures()).isZero();
  }

  @Test
  void aMaskerThatReturnsSomethingUnserializableGetsAPlaceholder() throws Exception {
    fixture = new SpanFixture(DefaultObjectMapper.create(),
        (kind, value) -> kind == ContentKind.INPUT ? new ThrowingGetter() : value, LIMIT);
    span("masked-badly").input("secret").end();

    assertThat(parsedAttribute("langfuse.observation.input").textValue())
        .startsWith("<fluxtrace: unserializable " + ThrowingGetter.class.getName());
    assertThat(stats().contentReplaced()).isEqualTo(1);
  }

  @Test
  void tenThousandMetadataEntriesStayOneBoundedObject() throws Exception {
    fixture = new SpanFixture(64 * 1024);
    RecordingSpan span = span("many-keys");
    for (int i = 0; i < 10_000; i++) {
      span.metadata("key-" + i, "value-" + i);
    }
    span.end();

    String metadata = string(exportedAttributes(), "langfuse.observation.metadata");

    assertThat(metadata.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64 * 1024);
    JsonNode object = json.readTree(metadata);
    assertThat(object.get("key-0").textValue()).isEqualTo("value-0");
    assertThat(object.get(JsonObjectText.OMITTED_KEY).textValue()).endsWith("more entries left out");
    assertThat(stats().contentTruncated()).isEqualTo(1);
  }

  @Test
  void invalidGenerationValuesAreDroppedAndCounted() {
    fixture.root("gen", ObservationType.GENERATION, TraceAttributes.EMPTY)
        .usage("input", -5).usage("output", 7).cost("total", -1.0).prompt(" ", 2)
        .usageDetails(Map.of("fraction", 1.5)).end();

    Map<String, Object> attributes = exportedAttributes();

    assertThat(attributes).containsEntry("langfuse.observation.usage_details", "{\"output\":7}")
        .doesNotContainKeys("langfuse.observation.cost_details", "langfuse.observation.prompt.name",
            "gen_ai.usage.input_tokens");
    assertThat(stats().invalidValuesDropped()).isEqualTo(4);
  }
}
