package io.fluxtrace.reactor;

import static io.fluxtrace.reactor.LoopbackFixture.assertUnchanged;
import static io.fluxtrace.reactor.LoopbackFixture.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.TracerStats;
import io.fluxtrace.testing.OtlpJson;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.publisher.TestPublisher;

/**
 * The masking hook sees every piece of user content before it leaves the process, through the operators, and the
 * payload on the wire carries the masked value and never the original. A hook that throws leaves the fixed marker in
 * place of the value, never the value itself. The application's own signals are never masked.
 */
@Timeout(60)
class MaskingTest {

  private static final String CARD = "4111-1111-1111-1111";
  private static final String INPUT = "langfuse.observation.input";
  private static final String OUTPUT = "langfuse.observation.output";
  private static final String METADATA = "langfuse.observation.metadata";
  private static final String STATUS = "langfuse.observation.status_message";
  private static final String TRACE_METADATA = "langfuse.trace.metadata";
  /** The kinds spans carry; scores have their own. */
  private static final Set<ContentKind> SPAN_CONTENT = EnumSet.of(ContentKind.INPUT, ContentKind.OUTPUT,
      ContentKind.METADATA, ContentKind.STATUS_MESSAGE, ContentKind.TRACE_METADATA);

  private final ObjectMapper json = new ObjectMapper();
  private final Set<ContentKind> seen = ConcurrentHashMap.newKeySet();
  private final LoopbackFixture fx = new LoopbackFixture(b -> b.masker(this::mask));
  private final ReactorTracing tracing = fx.tracing;

  @AfterEach
  void close() {
    fx.close();
  }

  /** Replaces the card number wherever it appears, in text or in the values of a map, naming the kind. */
  private Object mask(ContentKind kind, Object value) {
    seen.add(kind);
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> masked = new LinkedHashMap<>();
      map.forEach((k, v) -> masked.put(k, v == null ? null : mask(kind, v)));
      return masked;
    }
    if (value instanceof String text) {
      return text.replace(CARD, "[card in " + kind + "]");
    }
    return value;
  }

  private Map<String, Object> attributes(String name) {
    return fx.attributes(name);
  }

  @Test
  void inputOutputAndMetadataOfAStepAreMaskedButTheApplicationGetsItsOwnValue() throws Exception {
    Mono<String> answer = Mono.just("charged " + CARD);
    Mono<String> setsMetadataInside = TraceContext.currentSpan()
        .doOnNext(span -> span.metadata("inside", "card " + CARD))
        .then(answer);
    assertUnchanged(setsMetadataInside, tracing.generation("payment").input(Map.of("card", CARD, "amount", 12))
        .metadata("configured", CARD).mono());

    Map<String, Object> attributes = attributes("payment");
    assertThat(json.readTree(text(attributes, INPUT)).get("card").textValue()).isEqualTo("[card in INPUT]");
    assertThat(json.readTree(text(attributes, INPUT)).get("amount").intValue()).isEqualTo(12);
    assertThat(json.readTree(text(attributes, OUTPUT)).textValue()).isEqualTo("charged [card in OUTPUT]");
    assertThat(json.readTree(text(attributes, METADATA)).get("configured").textValue())
        .isEqualTo("[card in METADATA]");
    assertThat(json.readTree(text(attributes, METADATA)).get("inside").textValue())
        .isEqualTo("card [card in METADATA]");
    assertThat(fx.payloads()).doesNotContain(CARD);
  }

  @Test
  void theOutputAggregatedFromAStreamIsMasked() throws Exception {
    assertUnchanged(Flux.just("card ", "4111-1111-", "1111-1111"),
        tracing.generation("stream").flux(Collectors.joining()));

    assertThat(json.readTree(text(attributes("stream"), OUTPUT)).textValue()).isEqualTo("card [card in OUTPUT]");
    assertThat(fx.payloads()).doesNotContain(CARD);
  }

  @Test
  void theStatusMessageOfAnErrorIsMaskedButTheApplicationGetsTheSameException() {
    IllegalStateException declined = new IllegalStateException("declined " + CARD);
    assertUnchanged(Mono.<String>error(declined), tracing.tool("charge").mono());

    Span span = fx.span("charge");
    String expected = IllegalStateException.class.getName() + ": declined [card in STATUS_MESSAGE]";
    assertThat(text(OtlpJson.attributes(span), STATUS)).isEqualTo(expected);
    assertThat(span.getStatus().getMessage()).isEqualTo(expected);
    assertThat(declined.getMessage()).contains(CARD);
    assertThat(fx.payloads()).doesNotContain(CARD);
  }

  @Test
  void theStatusMessageOfACancelGoesThroughTheHookToo() {
    TestPublisher<String> source = TestPublisher.create();
    BaseSubscriber<String> subscriber = new BaseSubscriber<>() {};
    source.flux().transform(tracing.span("cancelled").flux()).subscribe(subscriber);
    subscriber.cancel();

    assertThat(attributes("cancelled")).containsEntry(STATUS, "cancelled")
        .containsEntry("langfuse.observation.level", "WARNING");
    assertThat(seen).contains(ContentKind.STATUS_MESSAGE);
  }

  @Test
  void everyPartOfAnEventIsMasked() throws Exception {
    TracedEvent event = tracing.event("card-seen").input(CARD).output(Map.of("last", CARD))
        .metadata("where", "form " + CARD).level(ObservationLevel.WARNING).statusMessage("saw " + CARD);
    assertUnchanged(Mono.just("v"), source -> source.flatMap(v -> event.record().thenReturn(v))
        .transform(tracing.span("checkout").mono()));

    Map<String, Object> attributes = attributes("card-seen");
    assertThat(json.readTree(text(attributes, INPUT)).textValue()).isEqualTo("[card in INPUT]");
    assertThat(json.readTree(text(attributes, OUTPUT)).get("last").textValue()).isEqualTo("[card in OUTPUT]");
    assertThat(json.readTree(text(attributes, METADATA)).get("where").textValue())
        .isEqualTo("form [card in METADATA]");
    assertThat(text(attributes, STATUS)).isEqualTo("saw [card in STATUS_MESSAGE]");
    assertThat(fx.payloads()).doesNotContain(CARD);
  }

  @Test
  void traceMetadataIsMaskedOnEverySpanOfTheRequest() throws Exception {
    assertUnchanged(Mono.just("v"), source -> source
        .transform(tracing.retriever("inner").mono())
        .transform(tracing.chain("outer").mono())
        .contextWrite(TraceContext.metadata("card", CARD)));

    for (String name : List.of("inner", "outer")) {
      assertThat(json.readTree(text(attributes(name), TRACE_METADATA)).get("card").textValue())
          .isEqualTo("[card in TRACE_METADATA]");
    }
    assertThat(fx.payloads()).doesNotContain(CARD);
  }

  @Test
  void theHookSeesEveryKindOfSpanContent() {
    TracedEvent event = tracing.event("event").input(CARD).output(CARD).metadata("k", CARD).statusMessage(CARD);
    assertUnchanged(Mono.<String>error(new IllegalStateException(CARD)), source -> event.record().then(source)
        .transform(tracing.span("step").input(CARD).metadata("k", CARD).mono())
        .contextWrite(TraceContext.metadata("k", CARD)));
    assertUnchanged(Mono.just(CARD), tracing.span("answer").mono());

    assertThat(fx.spans()).hasSize(3);
    assertThat(seen).containsAll(SPAN_CONTENT);
    assertThat(fx.payloads()).doesNotContain(CARD);
  }

  @Test
  void aHookThatThrowsLeavesTheMarkerEverywhereAndNeverTheValue() throws Exception {
    try (LoopbackFixture failing = new LoopbackFixture(b -> b.masker((kind, value) -> {
      throw new IllegalStateException("could not mask " + value);
    }))) {
      ReactorTracing t = failing.tracing;
      TracedEvent event = t.event("event").input(CARD).output(CARD).metadata("k", CARD).statusMessage(CARD);
      IllegalStateException declined = new IllegalStateException("declined " + CARD);
      assertUnchanged(Mono.<String>error(declined), source -> event.record().then(source)
          .transform(t.span("step").input(CARD).metadata("k", CARD).mono())
          .contextWrite(TraceContext.metadata("k", CARD)));
      assertUnchanged(Mono.just(CARD), t.span("answer").mono());

      String marker = ContentMasker.FAILED_MARKER;
      Map<String, Object> step = failing.attributes("step");
      assertThat(json.readTree(text(step, INPUT)).textValue()).isEqualTo(marker);
      assertThat(json.readTree(text(step, METADATA)).get("k").textValue()).isEqualTo(marker);
      assertThat(json.readTree(text(step, TRACE_METADATA)).get("k").textValue()).isEqualTo(marker);
      assertThat(text(step, STATUS)).isEqualTo(marker);
      assertThat(failing.span("step").getStatus().getMessage()).isEqualTo(marker);
      Map<String, Object> recorded = failing.attributes("event");
      for (String key : List.of(INPUT, OUTPUT)) {
        assertThat(json.readTree(text(recorded, key)).textValue()).isEqualTo(marker);
      }
      assertThat(text(recorded, STATUS)).isEqualTo(marker);
      assertThat(json.readTree(text(failing.attributes("answer"), OUTPUT)).textValue()).isEqualTo(marker);
      assertThat(failing.payloads()).doesNotContain(CARD).doesNotContain("declined");

      TracerStats stats = failing.flush();
      // step: input, metadata, trace metadata, status; event: input, output, metadata, status, trace metadata;
      // answer: output.
      assertThat(stats.maskingFailures()).isEqualTo(10);
      assertThat(failing.logs.count("WARN", "masking hook threw")).isEqualTo(1);
      assertThat(failing.logs.text()).doesNotContain(CARD);
    }
  }

  @Test
  void aHookThatFailsForOneKindStillMasksTheOthers() throws Exception {
    try (LoopbackFixture partial = new LoopbackFixture(b -> b.masker((kind, value) -> {
      if (kind == ContentKind.METADATA) {
        throw new IllegalArgumentException("metadata not supported");
      }
      return value instanceof String text ? text.replace(CARD, "[card]") : value;
    }))) {
      assertUnchanged(Mono.just(CARD), partial.tracing.span("partial").input(CARD).metadata("k", CARD).mono());

      Map<String, Object> attributes = partial.attributes("partial");
      assertThat(attributes).containsEntry(INPUT, "\"[card]\"").containsEntry(OUTPUT, "\"[card]\"");
      assertThat(json.readTree(text(attributes, METADATA)).get("k").textValue()).isEqualTo(ContentMasker.FAILED_MARKER);
      assertThat(partial.payloads()).doesNotContain(CARD);
      assertThat(partial.flush().maskingFailures()).isEqualTo(1);
    }
  }
}
