package io.fluxtrace.internal.span;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import io.fluxtrace.TraceIds;
import io.fluxtrace.internal.content.CapturedContent;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.content.DefaultObjectMapper;
import io.fluxtrace.internal.content.JsonText;
import io.fluxtrace.internal.export.LangfuseAttributes;
import io.fluxtrace.internal.export.OtlpJsonWriter;
import io.fluxtrace.internal.pipeline.CapturedSpan;
import io.fluxtrace.internal.pipeline.CapturedSpan.Snapshot;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Content captured by reference when a span ends and encoded at export gives the same wire, byte for byte, as
 * content encoded when the span ended (what fluxtrace did before): masks, truncation, replacement markers, a
 * throwing masker, huge values. The "before" is rebuilt here from the encoder's eager methods, exactly as the span
 * data factory used to call them; the "after" is {@code capture} on the ending thread, then {@code toSpanData}.
 */
class CapturedContentTest {

  private static final int LIMIT = 256;
  private static final String LONE_SURROGATE = "a\uD800b";

  private final TracerMetrics metrics = new TracerMetrics();
  private final AtomicLong now = new AtomicLong(1_767_323_045_123_456_789L);
  private final TraceClock clock = () -> now.getAndAdd(1_000_000L);
  private final List<RecordingSpan> endedSpans = new ArrayList<>();
  private final SpanEndListener listener = new SpanEndListener() {
    @Override
    public void onEnd(RecordingSpan span) {
      endedSpans.add(span);
    }

    @Override
    public void onMutationAfterEnd() {}
  };

  static Stream<Arguments> maskers() {
    return Stream.of(
        Arguments.of("none", ContentMasker.none()),
        Arguments.of("redacting", (ContentMasker) (kind, value) ->
            value instanceof String s ? s.replace("secret", "[REDACTED]") : value),
        Arguments.of("throwing", (ContentMasker) (kind, value) -> {
          throw new IllegalStateException("masker bug about " + value);
        }),
        Arguments.of("dropping", (ContentMasker) (kind, value) -> null),
        Arguments.of("to an object", (ContentMasker) (kind, value) -> Map.of("masked", String.valueOf(value))),
        Arguments.of("throwing on strings only", (ContentMasker) (kind, value) -> {
          if (value instanceof String) {
            throw new IllegalArgumentException("no");
          }
          return value;
        }));
  }

  @ParameterizedTest(name = "{0} masker")
  @MethodSource("maskers")
  void capturedContentGivesTheSameWireAsContentEncodedAtTheEnd(String name, ContentMasker masker) throws Exception {
    ContentEncoder encoder = new ContentEncoder(DefaultObjectMapper.create(), masker, LIMIT, metrics);
    SpanDataFactory factory = new SpanDataFactory(encoder, metrics);
    TraceAttributes attributes = TraceAttributes.builder().userId("u-1").metadata("tenant", "secret tenant").build();
    List<Object> values = List.of("a prompt with a secret", "x".repeat(100_000), "\"quotes\" \\ \n" + LONE_SURROGATE,
        "\u4f60\u597d".repeat(200), "\uD83D\uDE00".repeat(300), 42, 7L, 2.5d, 1.5f, true, 'c', (short) 3, (byte) 4,
        UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), List.of("mutable", "list"),
        new StringBuilder("a builder"), new BigDecimal("1.50"), Map.of("k", "secret"));
    for (Object value : values) {
      RecordingSpan span = span("generation", attributes);
      span.input(value).output(value).metadata("m", value).metadata("n", "secret").model("gpt")
          .modelParameter("temperature", 0.2).modelParameter("p", value).usage("input", 3).cost("input", 0.5)
          .statusMessage("status with a secret " + LONE_SURROGATE);
      span.end();
      RecordingSpan ended = endedSpans.remove(0);
      SpanData before = eager(encoder, ended);

      SpanData after = factory.toSpanData(factory.capture(ended));

      assertThat(after).as("%s masker, %s", name, value.getClass().getSimpleName()).isEqualTo(before);
      assertThat(wire(after)).isEqualTo(wire(before));
    }
  }

  @Test
  void stringsLongerThanTheLimitAreTruncatedWhenTheSpanEndsSoTheQueueHoldsOnlyTheTruncatedText() {
    ContentEncoder encoder = new ContentEncoder(DefaultObjectMapper.create(), ContentMasker.none(), LIMIT, metrics);
    SpanDataFactory factory = new SpanDataFactory(encoder, metrics);
    String huge = "y".repeat(1_000_000);
    RecordingSpan span = span("huge", TraceAttributes.EMPTY);
    span.input(huge).metadata("a", "z".repeat(LIMIT)).output("x".repeat(LIMIT));
    span.end();

    CapturedSpan captured = factory.capture(endedSpans.remove(0));

    assertThat(captured.input()).isInstanceOf(Snapshot.class);
    assertThat(captured.metadata()).isInstanceOf(Snapshot.class);
    assertThat(captured.output()).isInstanceOf(String.class);
    assertThat(metrics.snapshot().contentTruncated()).isEqualTo(2);
    SpanData data = factory.toSpanData(captured);
    assertThat(data.input()).endsWith(JsonText.TRUNCATED_MARKER + "\"").startsWith("\"yyy");
    assertThat(Objects.requireNonNull(data.input()).getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(LIMIT);
    assertThat(metrics.snapshot().contentTruncated()).isEqualTo(3);
  }

  @Test
  void valuesUpToTheLimitAreTruncatedWithTheSameMarkerAtExport() {
    ContentEncoder encoder = new ContentEncoder(DefaultObjectMapper.create(), ContentMasker.none(), LIMIT, metrics);
    SpanDataFactory factory = new SpanDataFactory(encoder, metrics);
    String huge = "\"".repeat(LIMIT); // escaped, each quote takes two bytes
    RecordingSpan span = span("huge", TraceAttributes.EMPTY);
    span.input(huge);
    span.end();

    CapturedSpan captured = factory.capture(endedSpans.remove(0));
    assertThat(captured.input()).isSameAs(huge);
    assertThat(metrics.snapshot().contentTruncated()).isZero();
    SpanData data = factory.toSpanData(captured);

    assertThat(data.input()).endsWith(JsonText.TRUNCATED_MARKER + "\"").startsWith("\"\\\"");
    assertThat(Objects.requireNonNull(data.input()).getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(LIMIT);
    assertThat(metrics.snapshot().contentTruncated()).isEqualTo(1);
  }

  @Test
  void immutableContentIsKeptByReferenceAndMaskedOnlyAtExport() {
    List<String> maskedOn = new CopyOnWriteArrayList<>();
    ContentMasker masker = (kind, value) -> {
      maskedOn.add(kind + " " + value);
      return value;
    };
    ContentEncoder encoder = new ContentEncoder(DefaultObjectMapper.create(), masker, LIMIT, metrics);
    SpanDataFactory factory = new SpanDataFactory(encoder, metrics);
    String prompt = "the prompt";
    RecordingSpan span = span("generation", TraceAttributes.EMPTY);
    span.input(prompt).output(12).metadata("k", "v").modelParameter("t", 0.5);
    span.end();

    CapturedSpan captured = factory.capture(endedSpans.remove(0));

    assertThat(maskedOn).isEmpty();
    assertThat(captured.input()).isSameAs(prompt);
    assertThat(captured.output()).isEqualTo(12);
    assertThat(captured.metadata()).isEqualTo(Map.of("k", "v"));
    SpanData data = factory.toSpanData(captured);
    assertThat(maskedOn).containsExactly("INPUT the prompt", "OUTPUT 12", "METADATA v");
    assertThat(data.input()).isEqualTo("\"the prompt\"");
    assertThat(data.output()).isEqualTo("12");
    assertThat(data.metadata()).isEqualTo("{\"k\":\"v\"}");
    assertThat(data.generation()).extracting(GenerationData::modelParameters).isEqualTo("{\"t\":0.5}");
  }

  @Test
  void mutableContentIsSnapshottedWhenTheSpanEnds() {
    ContentEncoder encoder = new ContentEncoder(DefaultObjectMapper.create(), ContentMasker.none(), LIMIT, metrics);
    SpanDataFactory factory = new SpanDataFactory(encoder, metrics);
    List<String> messages = new ArrayList<>(List.of("first"));
    StringBuilder builder = new StringBuilder("before");
    List<String> stop = new ArrayList<>(List.of("a"));
    Map<String, Object> parameters = new LinkedHashMap<>(Map.of("stop", stop));
    RecordingSpan span = span("generation", TraceAttributes.EMPTY);
    span.input(messages).output(builder).metadata("history", messages).modelParameters(parameters);
    span.end();

    CapturedSpan captured = factory.capture(endedSpans.remove(0));
    messages.add("appended after the end");
    builder.append(" and after");
    stop.add("b");

    assertThat(captured.input()).isInstanceOf(Snapshot.class);
    assertThat(captured.metadata()).isInstanceOf(Snapshot.class);
    SpanData data = factory.toSpanData(captured);
    assertThat(data.input()).isEqualTo("[\"first\"]");
    assertThat(data.output()).isEqualTo("\"before\"");
    assertThat(data.metadata()).isEqualTo("{\"history\":[\"first\"]}");
    assertThat(data.generation()).extracting(GenerationData::modelParameters).isEqualTo("{\"stop\":[\"a\"]}");
  }

  @Test
  void onlyFinalClassesWithFinalImmutableStateAreCapturedByReference() {
    assertThat(Stream.of("s", 1, 1L, 1.0d, 1.0f, true, 'c', (short) 1, (byte) 1, UUID.randomUUID()))
        .allMatch(CapturedContent::immutable);
    assertThat(Stream.of(new StringBuilder(), new BigDecimal("1"), List.of("a"), Map.of(), new Object(),
        new int[0], ObservationType.SPAN)).noneMatch(CapturedContent::immutable);
  }

  @Test
  void anEmptiedModelParameterMapStillMakesAGenerationAsBefore() {
    ContentEncoder encoder = new ContentEncoder(DefaultObjectMapper.create(), ContentMasker.none(), LIMIT, metrics);
    SpanDataFactory factory = new SpanDataFactory(encoder, metrics);
    RecordingSpan span = span("step", TraceAttributes.EMPTY);
    span.modelParameter("t", 1).modelParameter("t", null);
    span.end();
    RecordingSpan ended = endedSpans.remove(0);

    assertThat(factory.toSpanData(factory.capture(ended))).isEqualTo(eager(encoder, ended));
    assertThat(factory.toSpanData(factory.capture(ended)).generation()).isNotNull();
  }

  private RecordingSpan span(String name, TraceAttributes attributes) {
    return new RecordingSpan(listener, clock, TraceIds.newTraceId(), TraceIds.newSpanId(), null, false, name,
        ObservationType.GENERATION, clock.nowEpochNanos(), attributes);
  }

  private byte[] wire(SpanData span) {
    return new OtlpJsonWriter(LangfuseAttributes.of(io.fluxtrace.TestConfigs.config())).encode(List.of(span));
  }

  /** What the span data factory made when it encoded everything on the ending thread (before #15). */
  private static SpanData eager(ContentEncoder encoder, RecordingSpan span) {
    Map<String, @Nullable Object> parameters = span.modelParameterValues();
    Map<String, Long> usage = span.usageValues();
    Map<String, Double> cost = span.costValues();
    GenerationData generation = span.modelName() == null && parameters == null && usage == null && cost == null
        && span.completionStartEpochNanos() == 0 && span.promptName() == null
        ? null
        : new GenerationData(span.modelName(), encoder.encodeEntries(null, parameters),
            usage == null ? Map.of() : usage, cost == null ? Map.of() : cost, span.completionStartEpochNanos(),
            span.promptName(), span.promptVersion());
    return new SpanData(span.traceId(), span.spanId(), span.parentSpanId(), span.parentRemote(), span.name(),
        span.type(), span.startEpochNanos(), span.endEpochNanos(), span.level(),
        encoder.encodeText(ContentKind.STATUS_MESSAGE, span.statusMessage()),
        encoder.encode(ContentKind.INPUT, span.inputValue()), encoder.encode(ContentKind.OUTPUT, span.outputValue()),
        encoder.encodeEntries(ContentKind.METADATA, span.metadataValues()),
        encoder.maskTraceAttributes(span.traceAttributes()), generation);
  }
}
