package io.fluxtrace.internal.content;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.testing.HostileValues.OverflowingGetter;
import io.fluxtrace.testing.HostileValues.ThrowingGetter;
import io.fluxtrace.testing.HostileValues.ThrowingToString;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.RandomAccess;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ContentEncoderTest {

  private static final int LIMIT = 1024;

  private final ObjectMapper json = new ObjectMapper();
  private final TracerMetrics metrics = new TracerMetrics();

  private ContentEncoder encoder(int maxValueBytes) {
    return new ContentEncoder(DefaultObjectMapper.create(), ContentMasker.none(), maxValueBytes, metrics);
  }

  private ContentEncoder encoder(ContentMasker masker) {
    return new ContentEncoder(DefaultObjectMapper.create(), masker, LIMIT, metrics);
  }

  private JsonNode parse(@Nullable String text) throws Exception {
    return json.readTree(Objects.requireNonNull(text, "encoded value"));
  }

  private static int utf8(@Nullable String text) {
    return Objects.requireNonNull(text, "encoded value").getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void stringsAreQuotedExactlyAsJacksonWouldQuoteThem() throws Exception {
    String text = "Hello \"world\"\n\ttab \\ \u00e9 \uD83D\uDE00 \u0001";

    String encoded = encoder(LIMIT).encode(ContentKind.INPUT, text);

    assertThat(encoded).isEqualTo(json.writeValueAsString(text));
    assertThat(metrics.snapshot().contentTruncated()).isZero();
  }

  @Test
  void objectsAreSerializedWithTheMapper() throws Exception {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("role", "user");
    value.put("tokens", 12);
    value.put("nested", List.of(1, 2.5, true));

    String encoded = encoder(LIMIT).encode(ContentKind.OUTPUT, value);

    assertThat(encoded).isEqualTo("{\"role\":\"user\",\"tokens\":12,\"nested\":[1,2.5,true]}");
  }

  @Test
  void nullValuesAreNotSent() {
    assertThat(encoder(LIMIT).encode(ContentKind.INPUT, null)).isNull();
    assertThat(encoder(LIMIT).encodeEntries(ContentKind.METADATA, null)).isNull();
    assertThat(encoder(LIMIT).encodeEntries(ContentKind.METADATA, Map.of())).isNull();
    assertThat(encoder(LIMIT).encodeText(ContentKind.STATUS_MESSAGE, null)).isNull();
  }

  @Test
  void aHugeStringIsCutToTheLimitInUtf8BytesWithAVisibleMarker() throws Exception {
    String huge = "\u00e9".repeat(5 * 1024 * 1024);

    String encoded = encoder(64 * 1024).encode(ContentKind.INPUT, huge);

    assertThat(utf8(encoded)).isLessThanOrEqualTo(64 * 1024).isGreaterThan(63 * 1024);
    assertThat(parse(encoded).textValue()).startsWith("\u00e9\u00e9").endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(metrics.snapshot().contentTruncated()).isEqualTo(1);
  }

  @Test
  void aHugeObjectBecomesAJsonStringHoldingThePrefixOfItsJson() throws Exception {
    List<Integer> numbers = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      numbers.add(i);
    }

    String encoded = encoder(LIMIT).encode(ContentKind.OUTPUT, Map.of("numbers", numbers));

    assertThat(utf8(encoded)).isLessThanOrEqualTo(LIMIT);
    assertThat(parse(encoded).textValue()).startsWith("{\"numbers\":[0,1,2,3").endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(metrics.snapshot().contentTruncated()).isEqualTo(1);
  }

  @Test
  void serializationStopsSoonAfterTheLimitInsteadOfBuildingTheWholeText() {
    AtomicInteger read = new AtomicInteger();
    List<String> endless = new CountingList(read, 50_000_000);

    String encoded = encoder(64 * 1024).encode(ContentKind.INPUT, endless);

    assertThat(encoded).endsWith(JsonText.TRUNCATED_MARKER + "\"");
    // 64 KiB of `"element",` is about 6,000 elements; Jackson buffers a few thousand characters more.
    assertThat(read.get()).isLessThan(20_000);
  }

  @Test
  void aValueThatCannotBeSerializedBecomesAPlaceholderWithoutItsMessage() throws Exception {
    String encoded = encoder(LIMIT).encode(ContentKind.INPUT, new ThrowingGetter());

    assertThat(parse(encoded).textValue())
        .isEqualTo("<fluxtrace: unserializable " + ThrowingGetter.class.getName()
            + ": java.lang.IllegalStateException thrown while serializing>")
        .doesNotContain("secret");
    assertThat(metrics.snapshot().contentReplaced()).isEqualTo(1);
  }

  @Test
  void cyclesAndDeepNestingBecomeAPlaceholder() throws Exception {
    Map<String, Object> cycle = new HashMap<>();
    cycle.put("self", cycle);
    Object deep = "bottom";
    for (int i = 0; i < 10_000; i++) {
      deep = List.of(deep);
    }

    String cyclic = encoder(1024 * 1024).encode(ContentKind.INPUT, cycle);
    String nested = encoder(1024 * 1024).encode(ContentKind.INPUT, deep);

    assertThat(parse(cyclic).textValue()).startsWith("<fluxtrace: unserializable java.util.HashMap: nested too deeply");
    assertThat(parse(nested).textValue()).startsWith("<fluxtrace: unserializable java.util.ImmutableCollections");
    assertThat(metrics.snapshot().contentReplaced()).isEqualTo(2);
  }

  @Test
  void aStackOverflowWhileSerializingBecomesAPlaceholder() throws Exception {
    String encoded = encoder(LIMIT).encode(ContentKind.INPUT, new OverflowingGetter());

    assertThat(parse(encoded).textValue()).contains("nested too deeply (stack overflow)");
    assertThat(metrics.snapshot().contentReplaced()).isEqualTo(1);
  }

  @Test
  void jacksonsOwnReasonIsKeptForProblemsItDetects() throws Exception {
    Map<String, Object> nullKey = new HashMap<>();
    nullKey.put(null, "v");
    ContentEncoder plainJackson = new ContentEncoder(new ObjectMapper(), ContentMasker.none(), LIMIT, metrics);

    String encoded = plainJackson.encode(ContentKind.METADATA, nullKey);

    assertThat(parse(encoded).textValue()).startsWith("<fluxtrace: unserializable java.util.HashMap: Null key");
  }

  @Test
  void theDefaultMapperWritesNullKeysNanAndJavaTimeValues() throws Exception {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put(null, "null key");
    value.put("nan", Double.NaN);
    value.put("inf", Double.POSITIVE_INFINITY);
    value.put("instant", Instant.parse("2026-01-02T03:04:05.123Z"));
    value.put("date", LocalDate.of(2026, 1, 2));
    value.put("zoned", ZonedDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneId.of("Europe/Paris")));
    value.put("duration", Duration.ofMillis(1500));
    value.put("optional", Optional.of("present"));
    value.put("empty", Optional.empty());
    value.put("optionalInt", OptionalInt.of(7));

    String encoded = encoder(LIMIT).encode(ContentKind.METADATA, value);

    assertThat(json.readValue(encoded, new TypeReference<Map<String, Object>>() {}))
        .containsEntry("null", "null key")
        .containsEntry("nan", "NaN")
        .containsEntry("inf", "Infinity")
        .containsEntry("instant", "2026-01-02T03:04:05.123Z")
        .containsEntry("date", "2026-01-02")
        .containsEntry("zoned", "2026-01-02T03:04:05+01:00[Europe/Paris]")
        .containsEntry("duration", "PT1.5S")
        .containsEntry("optional", "present")
        .containsEntry("empty", null)
        .containsEntry("optionalInt", 7);
    assertThat(metrics.snapshot().contentReplaced()).isZero();
  }

  @Test
  void loneSurrogatesInsideObjectsAreReplaced() throws Exception {
    String encoded = encoder(LIMIT).encode(ContentKind.OUTPUT, Map.of("text", "broken \uD800 pair"));

    assertThat(encoded).doesNotContain("\uD800");
    assertThat(parse(encoded).get("text").textValue()).isEqualTo("broken \uFFFD pair");
  }

  @Test
  void entriesAreEncodedOneByOneSoABadValueCostsOnlyItself() throws Exception {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("ok", "fine");
    metadata.put("bad", new ThrowingGetter());
    metadata.put("number", 3);

    String encoded = encoder(LIMIT).encodeEntries(ContentKind.METADATA, metadata);

    JsonNode object = parse(encoded);
    assertThat(object.get("ok").textValue()).isEqualTo("fine");
    assertThat(object.get("bad").textValue()).startsWith("<fluxtrace: unserializable");
    assertThat(object.get("number").intValue()).isEqualTo(3);
  }

  @Test
  void entriesStayWithinTheLimitAndSayHowManyWereLeftOut() throws Exception {
    Map<String, Object> metadata = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      metadata.put("key" + i, "v".repeat(200));
    }

    String encoded = encoder(LIMIT).encodeEntries(ContentKind.METADATA, metadata);

    assertThat(utf8(encoded)).isLessThanOrEqualTo(LIMIT);
    JsonNode object = parse(encoded);
    assertThat(object.isObject()).isTrue();
    assertThat(object.get("key0").textValue()).hasSize(200);
    assertThat(object.get(JsonObjectText.OMITTED_KEY).textValue()).matches("\\d+ more entries left out");
    assertThat(metrics.snapshot().contentTruncated()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void theMaskerSeesEachPieceOfContentWithItsKind() throws Exception {
    List<String> seen = new ArrayList<>();
    ContentEncoder encoder = encoder((kind, value) -> {
      seen.add(kind + "=" + value);
      return value instanceof String s ? s.replace("secret", "***") : value;
    });

    String input = encoder.encode(ContentKind.INPUT, "my secret");
    String metadata = encoder.encodeEntries(ContentKind.METADATA, Map.of("k", "secret value"));
    String parameters = encoder.encodeEntries(null, Map.of("temperature", 0.2));
    String status = encoder.encodeText(ContentKind.STATUS_MESSAGE, "failed for secret");

    assertThat(input).isEqualTo("\"my ***\"");
    assertThat(parse(metadata).get("k").textValue()).isEqualTo("*** value");
    assertThat(parameters).isEqualTo("{\"temperature\":0.2}");
    assertThat(status).isEqualTo("failed for ***");
    assertThat(seen).containsExactly("INPUT=my secret", "METADATA=secret value", "STATUS_MESSAGE=failed for secret");
  }

  @Test
  void aThrowingMaskerReplacesTheValueAndANullResultDropsIt() throws Exception {
    ContentEncoder throwing = encoder((kind, value) -> {
      throw new IllegalStateException("masker bug");
    });
    ContentEncoder dropping = encoder((kind, value) -> "drop".equals(value) ? null : value);

    assertThat(parse(throwing.encode(ContentKind.INPUT, "x")).textValue()).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(throwing.encodeText(ContentKind.STATUS_MESSAGE, "x")).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(dropping.encode(ContentKind.INPUT, "drop")).isNull();
    assertThat(dropping.encodeEntries(ContentKind.METADATA, Map.of("a", "drop"))).isNull();
    assertThat(metrics.snapshot().maskingFailures()).isEqualTo(2);
  }

  @Test
  void withoutAMaskerNothingIsMaskedAndTraceAttributesAreNotCopied() {
    TraceAttributes attributes = TraceAttributes.builder().metadata("k", "v").userId("u").build();
    ContentEncoder encoder = encoder(LIMIT);

    assertThat(encoder.masks()).isFalse();
    assertThat(encoder(ContentMasker.none()).masks()).isFalse();
    assertThat(encoder((kind, value) -> value).masks()).isTrue();
    assertThat(encoder.maskTraceAttributes(attributes)).isSameAs(attributes);
  }

  @Test
  void traceMetadataValuesAreMaskedOneByOne() {
    TraceAttributes attributes = TraceAttributes.builder()
        .metadata("email", "a@b.c").metadata("keep", "plain").metadata("drop", "x").metadata("boom", "y")
        .userId("u").tags("t").build();
    ContentEncoder encoder = encoder((kind, value) -> {
      assertThat(kind).isEqualTo(ContentKind.TRACE_METADATA);
      return switch ((String) value) {
        case "a@b.c" -> "<email>";
        case "x" -> null;
        case "y" -> throw new IllegalStateException("masker bug");
        default -> value;
      };
    });

    TraceAttributes masked = encoder.maskTraceAttributes(attributes);

    assertThat(masked.metadata()).containsExactly(
        Map.entry("email", "<email>"), Map.entry("keep", "plain"), Map.entry("boom", ContentMasker.FAILED_MARKER));
    assertThat(masked.userId()).isEqualTo("u");
    assertThat(masked.tags()).containsExactly("t");
    assertThat(metrics.snapshot().maskingFailures()).isEqualTo(1);
  }

  @Test
  void statusMessagesAreSanitizedAndCut() {
    String message = encoder(64).encodeText(ContentKind.STATUS_MESSAGE, "boom \uDC00 " + "x".repeat(100));

    assertThat(message).startsWith("boom \uFFFD x").endsWith(JsonText.TRUNCATED_MARKER);
    assertThat(utf8(message)).isLessThanOrEqualTo(64);
    assertThat(metrics.snapshot().contentTruncated()).isEqualTo(1);
  }

  @Test
  void aMaskerResultWhoseToStringThrowsBecomesAPlaceholder() {
    ContentEncoder encoder = encoder((kind, value) -> new ThrowingToString());

    String message = encoder.encodeText(ContentKind.STATUS_MESSAGE, "x");

    assertThat(message).startsWith("<fluxtrace: unserializable " + ThrowingToString.class.getName());
    assertThat(metrics.snapshot().contentReplaced()).isEqualTo(1);
  }

  /** A huge random-access list that counts how many elements the serializer read. */
  private static final class CountingList extends AbstractList<String> implements RandomAccess {
    private final AtomicInteger read;
    private final int size;

    CountingList(AtomicInteger read, int size) {
      this.read = read;
      this.size = size;
    }

    @Override
    public String get(int index) {
      read.incrementAndGet();
      return "element";
    }

    @Override
    public int size() {
      return size;
    }
  }
}
