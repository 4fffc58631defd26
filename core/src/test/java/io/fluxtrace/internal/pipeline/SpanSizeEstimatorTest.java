package io.fluxtrace.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.pipeline.CapturedSpan.Snapshot;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Exact expected sizes, worked out by hand for 64-bit HotSpot with compressed references ({@link
 * HeapLayout#COMPRESSED}: 12-byte object headers, 16-byte array headers, 4-byte references, 8-byte alignment, compact
 * strings). A String is 24 bytes plus its byte array: 16 + one byte per char when every char is at most U+00FF, else
 * two, rounded up to 8.
 */
class SpanSizeEstimatorTest {

  private static final HeapLayout HEAP = HeapLayout.COMPRESSED;

  /** Pipeline entry 24 + queue node 24 + SpanData 80 (12 + 12 references + 2 longs + 1 boolean = 77, aligned). */
  private static final long FIXED = 24 + 24 + 80;
  /** The 32-char trace id (24 + 16 + 32) and the 16-char span id (24 + 16 + 16). */
  private static final long IDS = 72 + 56;

  @Test
  void aBareSpanCostsTheFixedObjectsItsIdsAndItsNamesChars() {
    assertThat(SpanSizeEstimator.fixed(HEAP)).isEqualTo(FIXED);
    assertThat(estimate(span("name", null))).isEqualTo(FIXED + IDS + "name".length());
  }

  @Test
  void asciiTextTakesOneBytePerChar() {
    String json = quoted("x".repeat(100)); // 102 chars: 24 + align(16 + 102)
    assertThat(contentCost(json)).isEqualTo(24 + 120);
  }

  @Test
  void latin1TextTakesOneBytePerCharToo() {
    String json = quoted("é".repeat(100)); // U+00E9: Latin-1, so one byte each although it is two in UTF-8
    assertThat(contentCost(json)).isEqualTo(24 + 120);
  }

  @Test
  void cjkTextTakesTwoBytesPerChar() {
    String json = quoted("中".repeat(100)); // 102 chars: 24 + align(16 + 204)
    assertThat(contentCost(json)).isEqualTo(24 + 224);
  }

  @Test
  void emojiTakeTwoCharsOfTwoBytesEach() {
    String json = quoted("\uD83D\uDE00".repeat(50)); // 50 surrogate pairs: 102 chars, 24 + align(16 + 204)
    assertThat(json.length()).isEqualTo(102);
    assertThat(contentCost(json)).isEqualTo(24 + 224);
  }

  @Test
  void oneWideCharMakesTheWholeStringTwoBytesPerChar() {
    String json = quoted("x".repeat(99) + "\u0100"); // U+0100 is past Latin-1
    assertThat(contentCost(json)).isEqualTo(24 + 224);
  }

  @Test
  void largeTextIsCountedByItsExactLengthAndWidth() {
    assertThat(contentCost(quoted("a".repeat(100_000)))).isEqualTo(24 + 16 + 100_008);
    assertThat(contentCost(quoted("ü".repeat(100_000)))).isEqualTo(24 + 16 + 100_008);
    assertThat(contentCost(quoted("語".repeat(100_000)))).isEqualTo(24 + 16 + 200_008);
    assertThat(contentCost(quoted("\uD83D\uDE80".repeat(50_000)))).isEqualTo(24 + 16 + 200_008);
  }

  @Test
  void withoutCompactStringsEveryCharTakesTwoBytes() {
    HeapLayout utf16Only = new HeapLayout(12, 16, 4, 8, false);
    SpanData bare = span("name", null);
    SpanData ascii = span("name", quoted("x".repeat(100)));

    assertThat(SpanSizeEstimator.estimate(ascii, utf16Only) - SpanSizeEstimator.estimate(bare, utf16Only))
        .isEqualTo(24 + 224);
  }

  @Test
  void theWidestLayoutNeverCountsLessThanTheCompressedOne() {
    SpanData span = generation(quoted("x".repeat(2_000)));
    // Uncompressed: Entry 32 + node 32 + SpanData 16 + 96 + 17 = 129 -> 136; Strings 40 + arrays of 24 + 2 bytes a char.
    assertThat(SpanSizeEstimator.fixed(HeapLayout.WIDEST)).isEqualTo(32 + 32 + 136);
    assertThat(SpanSizeEstimator.estimate(span, HeapLayout.WIDEST))
        .isGreaterThan(SpanSizeEstimator.estimate(span, HEAP));
  }

  @Test
  void aGenerationCountsItsObjectCopiedMapsAndBoxedNumbers() {
    // GenerationData 48 (6 references + a long = 44); model chars 11; usage keys "input", "output", "total" 16.
    // Usage map of 3: UnmodifiableMap 32, LinkedHashMap 56, 2 entry set views of 16, table of 8 slots 48,
    // 3 x (entry 40 + Long 24) = 360. Empty cost map: 32 + 56 = 88 (no table, no views).
    assertThat(SpanSizeEstimator.copiedMap(HEAP, 3)).isEqualTo(360);
    assertThat(SpanSizeEstimator.copiedMap(HEAP, 0)).isEqualTo(88);
    long generationCost = estimate(generation(null)) - estimate(span("generation", null));

    assertThat(generationCost).isEqualTo(48 + 11 + 16 + 360 + 88);
  }

  @Test
  void tablesAreSizedAsHashMapSizesThem() {
    assertThat(SpanSizeEstimator.tableSizeFor(1)).isEqualTo(1);
    assertThat(SpanSizeEstimator.tableSizeFor(2)).isEqualTo(2);
    assertThat(SpanSizeEstimator.tableSizeFor(5)).isEqualTo(8);
    assertThat(SpanSizeEstimator.tableSizeFor(9)).isEqualTo(16);
    // One entry: 88 + views 32; (int) (1 / 0.75 + 1) = 2 slots, 16 + 8 = 24; entry 40 + box 24.
    assertThat(SpanSizeEstimator.copiedMap(HEAP, 1)).isEqualTo(88 + 32 + 24 + 64);
  }

  @Test
  void traceAttributesCountTheirCharsAndTheSharedEmptyOnesNothing() {
    TraceAttributes attributes = TraceAttributes.builder().userId("user-1").sessionId("séance-1")
        .tags("a", "b").metadata("k", "值").build();
    SpanData plain = span("name", null);
    SpanData withAttributes = new SpanData("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, false,
        "name", ObservationType.SPAN, 1, 2, ObservationLevel.DEFAULT, null, null, null, null, attributes, null);

    // "user-1" 6, "séance-1" 8 (Latin-1), tags 1 + 1, "k" 1, "值" 2.
    assertThat(estimate(withAttributes) - estimate(plain)).isEqualTo(6 + 8 + 2 + 1 + 2);
  }

  @Test
  void everyPieceOfContentAddsToTheEstimate() {
    TraceAttributes attributes = TraceAttributes.builder().userId("user-1").sessionId("session-1")
        .tags("a", "b").metadata("k", "v").build();
    GenerationData generation = new GenerationData("gpt-x", "{\"temperature\":0.2}", Map.of("input", 10L),
        Map.of("total", 0.01), 0, "prompt", 3);
    SpanData plain = span("name", "\"in\"");
    SpanData rich = new SpanData("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "00f067aa0ba902b7", false,
        "name", ObservationType.GENERATION, 1, 2, ObservationLevel.DEFAULT, "status", "\"in\"", "\"out\"", "{\"m\":1}",
        attributes, generation);

    // parent id 56; status, output, metadata 48 each; attributes 19 chars; generation 48 + 5 + 64 (parameters)
    // + 208 + 208 (maps of one) + 10 (keys) + 6 (prompt name) + 16 (Integer).
    assertThat(estimate(rich) - estimate(plain)).isEqualTo(56 + 3 * 48 + 19 + 48 + 5 + 64 + 208 + 208 + 10 + 6 + 16);
  }

  @Test
  void latin1IsDecidedByTheWidestChar() {
    assertThat(HeapLayout.latin1("")).isTrue();
    assertThat(HeapLayout.latin1("plain ascii")).isTrue();
    assertThat(HeapLayout.latin1("ÿ at the top of Latin-1 \u00FF")).isTrue();
    assertThat(HeapLayout.latin1("one past it \u0100")).isFalse();
    assertThat(HeapLayout.latin1("\uD83D\uDE00")).isFalse();
  }

  @Test
  void thisJvmIsReadAsCompressedWithCompactStrings() {
    // The test JVM runs with HotSpot's defaults and a heap far under 32 GB.
    assumeTrue(Runtime.getRuntime().maxMemory() < (30L << 30));
    assertThat(HeapLayout.detect()).isEqualTo(HeapLayout.COMPRESSED);
    assertThat(HeapLayout.CURRENT).isEqualTo(HeapLayout.COMPRESSED);
  }

  /**
   * CapturedSpan: 12 + 22 references + 6 longs + 2 booleans = 150, aligned to 152; plus entry and node. Ids kept
   * as numbers cost nothing more; ids kept as text (a child's trace id) cost their Strings.
   */
  @Test
  void aCapturedSpanCostsItsFixedObjectsAndItsContentAsTheJvmHoldsIt() {
    assertThat(SpanSizeEstimator.capturedFixed(HEAP)).isEqualTo(24 + 24 + 152);
    assertThat(captured(null, null, null, null)).isEqualTo(24 + 24 + 152 + IDS + "name".length());
    CapturedSpan numericIds = new CapturedSpan(null, 0x0af7651916cd43ddL, 0x8448eb211c80319cL, null,
        0xb7ad6b7169203331L, null, false, "name", ObservationType.SPAN, 1, 2, ObservationLevel.DEFAULT, null, null,
        null, null, TraceAttributes.EMPTY, false, null, null, null, null, 0, null, null, null, null, null, null);
    assertThat(SpanSizeEstimator.estimate(numericIds, HEAP)).isEqualTo(24 + 24 + 152 + "name".length());
    // Written as text on the export side, exactly as the text would have been.
    assertThat(numericIds.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(numericIds.spanId()).isEqualTo("b7ad6b7169203331");
    long bare = captured(null, null, null, null);
    // A String captured by reference: 24 + align(16 + chars x coder), Latin-1 or not.
    assertThat(captured("x".repeat(100), null, null, null) - bare).isEqualTo(24 + 120);
    assertThat(captured("中".repeat(100), null, null, null) - bare).isEqualTo(24 + 216);
    // A snapshot: the wrapper (16) and its JSON String.
    assertThat(captured(new Snapshot("[\"a\"]"), null, null, null) - bare).isEqualTo(16 + 24 + 24);
    // A boxed value: at most two longs, 32.
    assertThat(captured(42L, null, null, null) - bare).isEqualTo(32);
    // The span's own map of one entry: LinkedHashMap 56 + entry set 16 + table of 16 (80) + entry 40, its key's
    // chars (1) and its value (a String of one char: 24 + 24).
    Map<String, Object> metadata = new LinkedHashMap<>(Map.of("k", "v"));
    assertThat(captured(null, metadata, null, null) - bare).isEqualTo(56 + 16 + 80 + 40 + 1 + 48);
    // Usage of three entries: the map as above with three entries, their keys' chars and three boxed Longs.
    Map<String, Long> usage = new LinkedHashMap<>(Map.of("input", 1L, "output", 2L, "total", 3L));
    assertThat(captured(null, null, usage, null) - bare)
        .isEqualTo(56 + 16 + 80 + 3 * 40 + "inputoutputtotal".length() + 3 * 24);
    assertThat(SpanSizeEstimator.ownedMapLayout(HEAP, 13)).isEqualTo(56 + 16 + 144 + 13 * 40);
  }

  private static long captured(
      @Nullable Object input, @Nullable Map<String, Object> metadata, @Nullable Map<String, Long> usage,
      @Nullable Map<String, Double> cost) {
    boolean generation = usage != null || cost != null;
    return SpanSizeEstimator.estimate(new CapturedSpan("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null,
        false, "name", ObservationType.SPAN, 1, 2, ObservationLevel.DEFAULT, null, input, null, metadata,
        TraceAttributes.EMPTY, generation, null, null, usage, cost, 0, null, null, null, null, null, null), HEAP);
  }

  /** What adding {@code json} as a span's input costs. */
  private static long contentCost(String json) {
    return estimate(span("name", json)) - estimate(span("name", null));
  }

  private static long estimate(SpanData span) {
    return SpanSizeEstimator.estimate(span, HEAP);
  }

  private static String quoted(String text) {
    return '"' + text + '"';
  }

  private static SpanData span(String name, @Nullable String input) {
    return new SpanData("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, false, name,
        ObservationType.SPAN, 1, 2, ObservationLevel.DEFAULT, null, input, null, null, TraceAttributes.EMPTY,
        null);
  }

  private static SpanData generation(@Nullable String input) {
    GenerationData generation = new GenerationData("gpt-4o-mini", null,
        Map.of("input", 512L, "output", 480L, "total", 992L), Map.of(), 0, null, null);
    return new SpanData("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, false, "generation",
        ObservationType.GENERATION, 1, 2, ObservationLevel.DEFAULT, null, input, null, null, TraceAttributes.EMPTY,
        generation);
  }
}
