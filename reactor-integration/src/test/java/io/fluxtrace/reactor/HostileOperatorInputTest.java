package io.fluxtrace.reactor;

import static io.fluxtrace.reactor.LoopbackFixture.assertUnchanged;
import static io.fluxtrace.reactor.LoopbackFixture.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TracerStats;
import io.fluxtrace.testing.HostileValues.ExceptionWithThrowingMessage;
import io.fluxtrace.testing.HostileValues.OverflowingGetter;
import io.fluxtrace.testing.HostileValues.SelfReference;
import io.fluxtrace.testing.HostileValues.ThrowingGetter;
import io.fluxtrace.testing.HostileValues.ThrowingToString;
import io.fluxtrace.testing.OtlpJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Collector;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.util.RaceTestUtils;
import reactor.util.context.Context;

/**
 * Whatever an application hands to the public operators, its pipeline behaves exactly as without tracing (the same
 * signals, the same error instance), the span is still exported as a strictly valid OTLP request to a real loopback
 * receiver (with a placeholder or a truncation marker where needed), and what was replaced or dropped is counted and
 * logged once.
 */
@Timeout(60)
class HostileOperatorInputTest {

  private static final int MAX_VALUE_BYTES = 64 * 1024;
  private static final String INPUT = "langfuse.observation.input";
  private static final String OUTPUT = "langfuse.observation.output";
  private static final String METADATA = "langfuse.observation.metadata";
  private static final String STATUS = "langfuse.observation.status_message";
  private static final String UNSERIALIZABLE = "<fluxtrace: unserializable ";
  private static final String REPLACED_WARNING = "could not be serialized";

  private final ObjectMapper json = new ObjectMapper();
  private @Nullable LoopbackFixture fixture;

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private LoopbackFixture fx(UnaryOperator<FluxTracerBuilder> settings) {
    if (fixture == null) {
      fixture = new LoopbackFixture(b -> settings.apply(b.maxValueBytes(MAX_VALUE_BYTES)));
    }
    return fixture;
  }

  private LoopbackFixture fx() {
    return fx(b -> b);
  }

  private ReactorTracing tracing() {
    return fx().tracing;
  }

  private TracerStats stats() {
    return fx().flush();
  }

  private JsonNode parsed(Map<String, Object> attributes, String key) throws Exception {
    return json.readTree(text(attributes, key));
  }

  private void assertLoggedOnce(String level, String message) {
    assertThat(fx().logs.count(level, message)).as("%s '%s' in\n%s", level, message, fx().logs.text())
        .isEqualTo(1);
  }

  /** Two properties that Jackson cannot tell apart: serializing it fails whatever the mapper's settings. */
  public static final class ConflictingProperties {
    @JsonProperty("id")
    public int getA() {
      return 1;
    }

    @JsonProperty("id")
    public int getB() {
      return 2;
    }
  }

  private static Object nested(int depth) {
    List<Object> root = new ArrayList<>();
    List<Object> current = root;
    for (int i = 0; i < depth; i++) {
      List<Object> next = new ArrayList<>();
      current.add(next);
      current = next;
    }
    return root;
  }

  // --- values that cannot be serialized ---

  @Test
  void aNonSerializableInputBecomesAPlaceholder() throws Exception {
    assertUnchanged(Mono.just("answer"),
        tracing().span("non-serializable").input(new ConflictingProperties()).mono());

    Map<String, Object> attributes = fx().attributes("non-serializable");
    assertThat(parsed(attributes, INPUT).textValue()).startsWith(UNSERIALIZABLE + ConflictingProperties.class.getName());
    assertThat(attributes).containsEntry(OUTPUT, "\"answer\"");
    assertThat(stats().contentReplaced()).isEqualTo(1);
    assertLoggedOnce("WARN", REPLACED_WARNING);
  }

  @Test
  void aCyclicOutputBecomesAPlaceholder() throws Exception {
    Map<String, Object> cyclic = new HashMap<>();
    cyclic.put("self", cyclic);
    assertUnchanged(Mono.just(cyclic), tracing().span("cyclic").mono());

    assertThat(parsed(fx().attributes("cyclic"), OUTPUT).textValue()).startsWith(UNSERIALIZABLE)
        .contains("nested too deeply");
    assertThat(stats().contentReplaced()).isEqualTo(1);
    assertLoggedOnce("WARN", REPLACED_WARNING);
  }

  @Test
  void aBeanThatReturnsItselfBecomesAPlaceholder() throws Exception {
    assertUnchanged(Flux.just(new SelfReference()), tracing().span("self").flux(Collectors.toList()));

    assertThat(parsed(fx().attributes("self"), OUTPUT).textValue()).startsWith(UNSERIALIZABLE);
    assertThat(stats().contentReplaced()).isEqualTo(1);
  }

  @Test
  void throwingGettersNeverReachThePipelineAndTheirMessagesAreNotExported() throws Exception {
    assertUnchanged(Mono.just("ok"), tracing().tool("getters").metadata("bean", new ThrowingGetter())
        .input(new OverflowingGetter()).mono());

    Map<String, Object> attributes = fx().attributes("getters");
    assertThat(parsed(attributes, METADATA).get("bean").textValue()).startsWith(UNSERIALIZABLE);
    assertThat(parsed(attributes, INPUT).textValue()).startsWith(UNSERIALIZABLE);
    assertThat(fx().payloads()).doesNotContain("secret data in the message");
    assertThat(stats().contentReplaced()).isEqualTo(2);
    assertLoggedOnce("WARN", REPLACED_WARNING);
  }

  @Test
  void throwingToStringAndAnUnreadableErrorMessage() throws Exception {
    ExceptionWithThrowingMessage error = new ExceptionWithThrowingMessage();
    assertUnchanged(Mono.<ThrowingToString>error(error), tracing().span("failed").input(new ThrowingToString()).mono());
    assertUnchanged(Mono.just(new ThrowingToString()), tracing().span("succeeded").mono());

    Map<String, Object> failed = fx().attributes("failed");
    assertThat(failed).containsEntry(INPUT, "{}").containsEntry("langfuse.observation.level", "ERROR");
    assertThat(text(failed, STATUS)).startsWith(ExceptionWithThrowingMessage.class.getName())
        .contains("message unavailable");
    assertThat(fx().attributes("succeeded")).containsEntry(OUTPUT, "{}");
  }

  // --- size and shape ---

  @Test
  void aFiftyMegabyteStringIsTruncatedWithAMarker() {
    String huge = "x".repeat(50 * 1024 * 1024);
    assertUnchanged(Mono.just(huge), tracing().generation("huge").input(huge).mono());

    Map<String, Object> attributes = fx().attributes("huge");
    for (String key : List.of(INPUT, OUTPUT)) {
      assertThat(text(attributes, key)).hasSizeLessThanOrEqualTo(MAX_VALUE_BYTES).endsWith("<fluxtrace: truncated>\"");
    }
    assertThat(stats().contentTruncated()).isEqualTo(2);
    assertLoggedOnce("INFO", "was truncated");
  }

  @Test
  void tenThousandLevelsOfNestingBecomeAPlaceholder() throws Exception {
    Object deep = nested(10_000);
    assertUnchanged(Mono.just(deep), tracing().chain("deep").input(deep).mono());

    Map<String, Object> attributes = fx().attributes("deep");
    assertThat(parsed(attributes, INPUT).textValue()).startsWith(UNSERIALIZABLE).contains("nested too deeply");
    assertThat(parsed(attributes, OUTPUT).textValue()).startsWith(UNSERIALIZABLE);
    assertThat(stats().contentReplaced()).isEqualTo(2);
    assertLoggedOnce("WARN", REPLACED_WARNING);
  }

  @Test
  void thousandsOfMetadataEntriesStayOneBoundedObject() throws Exception {
    Mono<String> step = TraceContext.currentSpan()
        .doOnNext(span -> IntStream.range(0, 5_000).forEach(i -> span.metadata("key-" + i, "value-" + i + "-"
            + "v".repeat(20))))
        .thenReturn("done");
    TracedStep<Object> configured = tracing().span("wide");
    for (int i = 0; i < 2_000; i++) {
      configured = configured.metadata("configured-" + i, i);
    }
    assertUnchanged(step, configured.mono());

    Map<String, Object> attributes = fx().attributes("wide");
    assertThat(text(attributes, METADATA)).hasSizeLessThanOrEqualTo(MAX_VALUE_BYTES);
    JsonNode metadata = parsed(attributes, METADATA);
    assertThat(metadata.isObject()).isTrue();
    assertThat(metadata.get("configured-0").intValue()).isZero();
    assertThat(stats().contentTruncated()).isEqualTo(1);
    assertLoggedOnce("INFO", "was truncated");
  }

  @Test
  void thousandsOfTagsAreCappedAndTheRestLoggedOnce() {
    String[] tags = IntStream.range(0, 5_000).mapToObj(i -> "tag-" + i).toArray(String[]::new);
    assertUnchanged(Mono.just("v"), source -> source.transform(tracing().span("tagged").mono())
        .contextWrite(TraceContext.tags(tags)));

    @SuppressWarnings("unchecked")
    List<Object> exported = (List<Object>) Objects.requireNonNull(fx().attributes("tagged").get("langfuse.trace.tags"));
    assertThat(exported).hasSize(1000).startsWith("tag-0", "tag-1");
    assertLoggedOnce("WARN", "more than 1000 tags");
  }

  @Test
  void thousandsOfModelParametersAndHostileParameterValues() throws Exception {
    Map<String, Object> parameters = new LinkedHashMap<>();
    IntStream.range(0, 5_000).forEach(i -> parameters.put("p" + i, "x".repeat(30)));
    Map<String, Object> cyclic = new HashMap<>();
    cyclic.put("self", cyclic);
    assertUnchanged(Mono.just("v"), tracing().generation("params").modelParameter("temperature", Double.NaN)
        .modelParameter("cyclic", cyclic).modelParameters(parameters).mono());

    String encoded = text(fx().attributes("params"), "langfuse.observation.model.parameters");
    assertThat(encoded).hasSizeLessThanOrEqualTo(MAX_VALUE_BYTES);
    JsonNode node = json.readTree(encoded);
    assertThat(node.get("temperature").textValue()).isEqualTo("NaN");
    assertThat(node.get("cyclic").textValue()).startsWith(UNSERIALIZABLE);
    TracerStats stats = stats();
    assertThat(stats.contentReplaced()).isEqualTo(1);
    assertThat(stats.contentTruncated()).isEqualTo(1);
  }

  @Test
  void nanAndInfinitiesAreWrittenAsStringsAndRefusedAsCost() throws Exception {
    Map<String, Double> numbers = new LinkedHashMap<>();
    numbers.put("nan", Double.NaN);
    numbers.put("inf", Double.POSITIVE_INFINITY);
    numbers.put("-inf", Double.NEGATIVE_INFINITY);
    assertUnchanged(Mono.just(numbers), tracing().generation("numbers")
        .cost((Map<String, Double> m) -> Map.of("input", Double.NaN, "output", Double.NEGATIVE_INFINITY, "total", 2.5))
        .mono());

    Map<String, Object> attributes = fx().attributes("numbers");
    assertThat(parsed(attributes, OUTPUT).toString())
        .isEqualTo("{\"nan\":\"NaN\",\"inf\":\"Infinity\",\"-inf\":\"-Infinity\"}");
    assertThat(attributes).containsEntry("langfuse.observation.cost_details", "{\"total\":2.5}");
    assertThat(stats().invalidValuesDropped()).isEqualTo(2);
    assertLoggedOnce("WARN", "Langfuse would reject");
  }

  @Test
  void loneSurrogatesAndControlCharactersEverywhereStillMakeAValidPayload() throws Exception {
    String broken = "a\uD800b\u0000c\u001Fd\uDC00";
    String fixed = "a\uFFFDb\u0000c\u001Fd\uFFFD";
    RuntimeException error = new IllegalStateException(broken);
    assertUnchanged(Mono.<String>error(error), source -> source
        .transform(tracing().span(broken).input(broken).metadata(broken, broken).mono())
        .contextWrite(TraceContext.userId(broken))
        .contextWrite(TraceContext.metadata("note", broken)));

    io.opentelemetry.proto.trace.v1.Span span = fx().span(fixed);
    Map<String, Object> attributes = OtlpJson.attributes(span);
    assertThat(parsed(attributes, INPUT).textValue()).isEqualTo(fixed);
    assertThat(parsed(attributes, METADATA).get(fixed).textValue()).isEqualTo(fixed);
    assertThat(attributes).containsEntry("langfuse.user.id", fixed);
    assertThat(parsed(attributes, "langfuse.trace.metadata").get("note").textValue()).isEqualTo(fixed);
    assertThat(text(attributes, STATUS)).isEqualTo(IllegalStateException.class.getName() + ": " + fixed);
    assertThat(span.getStatus().getMessage()).isEqualTo(text(attributes, STATUS));
  }

  @Test
  void nullAndBlankNamesBecomeUnnamed() {
    assertUnchanged(Mono.just(1), tracing().span(nothing()).mono());
    assertUnchanged(Flux.just(1, 2), tracing().agent(" \t ").flux());
    tracing().event("").record().block(LoopbackFixture.WAIT);

    assertThat(fx().spans()).hasSize(3).allSatisfy(span -> assertThat(span.getName()).isEqualTo("unnamed"));
  }

  @Test
  void nullMapKeysAreWrittenAsNullAndANullMetadataKeyIsCounted() throws Exception {
    Map<@Nullable String, String> withNullKey = new HashMap<>();
    withNullKey.put(null, "value");
    Mono<String> step = TraceContext.currentSpan()
        .doOnNext(span -> span.metadata(nothing(), "dropped"))
        .thenReturn("ok");
    assertUnchanged(step, tracing().span("null-keys").input(withNullKey).mono());

    Map<String, Object> attributes = fx().attributes("null-keys");
    assertThat(parsed(attributes, INPUT).get("null").textValue()).isEqualTo("value");
    assertThat(attributes).doesNotContainKey(METADATA);
    assertThat(stats().invalidValuesDropped()).isEqualTo(1);
    assertLoggedOnce("WARN", "Langfuse would reject");
  }

  /** A null where the API wants none, as a careless caller passes it. */
  @SuppressWarnings("NullAway")
  private static String nothing() {
    return null;
  }

  @Test
  void invalidEnvironmentNamesAreNormalizedAsLangfuseWould() {
    fx(b -> b.environment("Production Env!"));
    assertUnchanged(Mono.just("v"), tracing().span("tracer-environment").mono());
    assertUnchanged(Mono.just("v"), source -> source.transform(tracing().span("reserved-prefix").mono())
        .contextWrite(TraceContext.attributes(TraceAttributes.builder().environment("LANGFUSE-staging").build())));
    assertUnchanged(Mono.just("v"), source -> source.transform(tracing().span("too-long").mono())
        .contextWrite(TraceContext.attributes(TraceAttributes.builder().environment("e".repeat(100)).build())));

    assertThat(fx().attributes("tracer-environment")).containsEntry("langfuse.environment", "default");
    assertThat(fx().attributes("reserved-prefix")).containsEntry("langfuse.environment", "staging");
    assertThat(fx().attributes("too-long")).containsEntry("langfuse.environment", "e".repeat(40));
  }

  @Test
  void aPromptWithABlankNameIsDroppedAndCounted() {
    assertUnchanged(Mono.just("v"), tracing().generation("blank-prompt").model("m").prompt(" ", 3).mono());
    assertUnchanged(Mono.just("v"), tracing().generation("empty-prompt").prompt("", 1).mono());

    for (String name : List.of("blank-prompt", "empty-prompt")) {
      assertThat(fx().attributes(name)).doesNotContainKeys("langfuse.observation.prompt.name",
          "langfuse.observation.prompt.version");
    }
    assertThat(stats().invalidValuesDropped()).isEqualTo(2);
    assertLoggedOnce("WARN", "Langfuse would reject");
  }

  @Test
  void negativeNonIntegerAndNonFiniteUsageIsDroppedAndCounted() throws Exception {
    Map<String, Number> usage = new LinkedHashMap<>();
    usage.put("input", -5);
    usage.put("output", 1.5);
    usage.put("reasoning", Double.NaN);
    usage.put("cached", Double.POSITIVE_INFINITY);
    usage.put("total", 30.0);
    usage.put("audio", 7L);
    assertUnchanged(Flux.just("a", "b"), tracing().generation("usage").usage((String chunk) -> usage)
        .flux(Collectors.joining()));

    assertThat(parsed(fx().attributes("usage"), "langfuse.observation.usage_details").toString())
        .isEqualTo("{\"total\":30,\"audio\":7}");
    assertThat(stats().invalidValuesDropped()).isEqualTo(8);
    assertLoggedOnce("WARN", "Langfuse would reject");
  }

  // --- user functions and hooks that fail ---

  @Test
  void failingSuppliersFunctionsAndCollectorsLeaveAPlaceholderAndAreLoggedOnce() throws Exception {
    RuntimeException boom = new IllegalStateException("boom");
    Collector<CharSequence, ?, String> failing = Collectors.collectingAndThen(Collectors.joining(), s -> {
      throw boom;
    });
    assertUnchanged(Mono.just("v"), tracing().span("supplier").input(() -> {
      throw boom;
    }).mono());
    assertUnchanged(Mono.just("v"), tracing().span("output").mono(v -> {
      throw boom;
    }));
    assertUnchanged(Flux.just("a", "b"), tracing().span("collector").flux(failing));

    assertThat(parsed(fx().attributes("supplier"), INPUT).textValue()).contains("input supplier failed");
    assertThat(parsed(fx().attributes("output"), OUTPUT).textValue()).contains("output function failed");
    assertThat(parsed(fx().attributes("collector"), OUTPUT).textValue()).contains("output collector failed");
    assertThat(tracing().functionFailures()).isEqualTo(3);
    assertLoggedOnce("WARN", "a placeholder is recorded instead");
  }

  @Test
  void aMaskingHookThatThrowsSendsTheMarkerAndIsLoggedOnce() throws Exception {
    fx(b -> b.masker((kind, value) -> {
      throw new IllegalStateException("masker saw " + value);
    }));
    assertUnchanged(Mono.just("private output"), tracing().span("masked").input("private input")
        .metadata("k", "private metadata").mono());

    Map<String, Object> attributes = fx().attributes("masked");
    assertThat(parsed(attributes, INPUT).textValue()).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(parsed(attributes, OUTPUT).textValue()).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(parsed(attributes, METADATA).get("k").textValue()).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(fx().payloads()).doesNotContain("private");
    assertThat(stats().maskingFailures()).isEqualTo(3);
    assertLoggedOnce("WARN", "masking hook threw");
    assertThat(fx().logs.text()).doesNotContain("private");
  }

  @Test
  void aMaskingHookThatReturnsNullRemovesTheContent() {
    fx(b -> b.masker((kind, value) -> null));
    RuntimeException error = new IllegalArgumentException("private reason");
    assertUnchanged(Mono.<String>error(error), tracing().span("removed").input("private input")
        .metadata("k", "private metadata").mono());

    assertThat(fx().attributes("removed")).doesNotContainKeys(INPUT, OUTPUT, METADATA, STATUS)
        .containsEntry("langfuse.observation.level", "ERROR");
    assertThat(fx().payloads()).doesNotContain("private");
    assertThat(stats().maskingFailures()).isZero();
  }

  // --- lifecycle races and misuse ---

  @Test
  void aSpanEndedTwiceIsExportedOnceAndTheSecondEndIsCounted() {
    Mono<String> endsItsOwnSpan = TraceContext.currentSpan().doOnNext(Span::end).thenReturn("v");
    assertUnchanged(endsItsOwnSpan, tracing().span("twice").mono());

    assertThat(fx().spans()).singleElement().satisfies(span -> assertThat(span.getName()).isEqualTo("twice"));
    TracerStats stats = stats();
    assertThat(stats.spansEnded()).isEqualTo(1);
    // The operator's output and its end both came after the step had ended the span.
    assertThat(stats.mutationsAfterEnd()).isEqualTo(2);
  }

  @Test
  void endRacingCancelEndsEverySpanExactlyOnce() {
    int rounds = 200;
    for (int round = 0; round < rounds; round++) {
      TestPublisher<String> source = TestPublisher.create();
      BaseSubscriber<String> subscriber = new BaseSubscriber<>() {};
      source.flux().transform(tracing().generation("race").flux(Collectors.joining())).subscribe(subscriber);
      RaceTestUtils.race(() -> source.next("a", "b").complete(), subscriber::cancel);
    }

    List<io.opentelemetry.proto.trace.v1.Span> spans = fx().spans();
    assertThat(spans).hasSize(rounds);
    assertThat(spans.stream().map(OtlpJson::spanId).distinct()).hasSize(rounds);
    TracerStats stats = stats();
    assertThat(stats.spansEnded()).isEqualTo(rounds);
    assertThat(stats.exported()).isEqualTo(rounds);
    assertThat(stats.mutationsAfterEnd()).isZero();
  }

  /**
   * Since issue 11, close() no longer refuses the end of a span that is open when it is called: it waits for it
   * (the drain) and, when the drain ends, ends it by shutdown (level WARNING) and exports it. The operator's own
   * end afterwards is ignored and counted; a span that starts and ends after close is dropped and counted.
   */
  @Test
  void aSpanOpenAtCloseIsEndedByShutdownAndExportedAndASpanAfterCloseIsCounted() {
    Sinks.One<String> answer = Sinks.one();
    LoopbackFixture f = fx(b -> b.shutdownTimeout(Duration.ofSeconds(2)));

    StepVerifier.create(answer.asMono().transform(tracing().span("late").mono()))
        .then(() -> {
          f.tracer.close();
          answer.tryEmitValue("after close");
        })
        .expectNext("after close")
        .verifyComplete();
    StepVerifier.create(Mono.just("v").transform(tracing().span("after").mono()))
        .expectNext("v")
        .verifyComplete();

    TracerStats stats = f.tracer.stats();
    assertThat(stats.spansEnded()).isEqualTo(2);
    assertThat(stats.exported()).isEqualTo(1);
    assertThat(stats.droppedAfterClose()).isEqualTo(1);
    assertThat(stats.mutationsAfterEnd()).isPositive();
    assertThat(stats.spansEnded()).isEqualTo(stats.exported() + stats.failedTotal() + stats.dropped());
    List<io.opentelemetry.proto.trace.v1.Span> spans = f.spans();
    assertThat(spans).extracting(io.opentelemetry.proto.trace.v1.Span::getName).containsExactly("late");
    assertThat(OtlpJson.attributes(spans.get(0))).containsEntry("langfuse.observation.level", "WARNING");
  }

  @Test
  void operatorsOfATracerBuiltWithoutKeysAreTheSourceItself() {
    LoopbackFixture f = fx();
    FluxTracer disabled = FluxTracer.builder(Map.of()).shutdownHook(false).build();
    ReactorTracing off = ReactorTracing.create(disabled);
    Mono<String> mono = Mono.just("v");
    Flux<String> flux = Flux.just("a", "b");

    assertThat(off.span("s").input(() -> {
      throw new AssertionError("never computed");
    }).<String>mono().apply(mono)).isSameAs(mono);
    assertThat(off.generation("g").<String>flux(Collectors.joining()).apply(flux)).isSameAs(flux);
    assertUnchanged(Mono.error(new IllegalStateException("kept")), off.tool("t").mono());
    Mono<Boolean> recording = TraceContext.currentSpan().map(Span::isRecording);
    StepVerifier.create(recording.transform(off.span("inner").mono())).expectNext(false).verifyComplete();
    StepVerifier.create(off.event("e").input("x").record()).verifyComplete();

    assertThat(disabled.isEnabled()).isFalse();
    assertThat(disabled.stats().spansStarted()).isZero();
    assertThat(f.logs.count("WARN", "tracing is disabled")).isEqualTo(1);
    disabled.close();
  }

  @Test
  void aContextWithoutAttributesOrTraceStillTracesAndReadersGetNothingOrANoop() {
    StepVerifier.create(TraceContext.currentSpan()
            .doOnNext(noop -> noop.input("ignored").metadata("k", "v").end())
            .map(Span::isRecording))
        .expectNext(false)
        .verifyComplete();
    StepVerifier.create(TraceContext.currentTraceId()).verifyComplete();
    StepVerifier.create(TraceContext.currentTraceparent()).verifyComplete();
    assertUnchanged(Mono.just("v"), source -> source.transform(tracing().span("bare").mono())
        .contextWrite(TraceContext.attributes(TraceAttributes.EMPTY))
        .contextWrite(TraceContext.userId(null))
        .contextWrite(TraceContext.tags())
        .contextWrite(TraceContext.traceparent(null))
        .contextWrite(TraceContext.traceparent("00-not-a-traceparent"))
        .contextWrite(Context.empty()));

    io.opentelemetry.proto.trace.v1.Span span = fx().span("bare");
    assertThat(OtlpJson.parentSpanId(span)).isNull();
    assertThat(OtlpJson.attributes(span)).doesNotContainKeys("langfuse.user.id", "langfuse.trace.tags",
        "langfuse.trace.metadata").containsEntry("langfuse.environment", "default");
    assertThat(stats().spansEnded()).isEqualTo(1);
  }

  @Test
  void anEventWithHostileContentIsRecordedWithoutTouchingThePipeline() throws Exception {
    Map<String, Object> cyclic = new HashMap<>();
    cyclic.put("self", cyclic);
    String huge = "y".repeat(10 * 1024 * 1024);
    TracedEvent event = tracing().event("hostile-event").input(new ConflictingProperties()).output(cyclic)
        .metadata("huge", huge).level(ObservationLevel.WARNING).statusMessage(huge);
    assertUnchanged(Mono.just("v"), source -> source.flatMap(v -> event.record().thenReturn(v))
        .transform(tracing().span("around-event").mono()));

    Map<String, Object> attributes = fx().attributes("hostile-event");
    assertThat(parsed(attributes, INPUT).textValue()).startsWith(UNSERIALIZABLE);
    assertThat(parsed(attributes, OUTPUT).textValue()).startsWith(UNSERIALIZABLE);
    assertThat(text(attributes, STATUS)).hasSizeLessThanOrEqualTo(MAX_VALUE_BYTES).endsWith("<fluxtrace: truncated>");
    assertThat(text(attributes, METADATA)).hasSizeLessThanOrEqualTo(MAX_VALUE_BYTES);
    TracerStats stats = stats();
    assertThat(stats.contentReplaced()).isEqualTo(2);
    assertThat(stats.contentTruncated()).isEqualTo(2);
    assertLoggedOnce("WARN", REPLACED_WARNING);
    assertLoggedOnce("INFO", "was truncated");
  }
}
