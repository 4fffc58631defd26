package io.fluxtrace.internal.export;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static io.fluxtrace.testing.OtlpJson.spans;
import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanContext;
import io.fluxtrace.SpanData;
import io.fluxtrace.TestConfigs;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.internal.span.SpanFixture;
import io.fluxtrace.testing.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The protobuf wire carries exactly the request the JSON wire carries: both payloads parsed with the official OTLP
 * definitions (protobuf-java; the JSON one strictly, by protobuf's JSON parser) and compared whole, message by
 * message and field by field, for spans of every kind, trace attributes, generations, errors, remote parents,
 * text that needs repairs and ids that need repairs.
 */
class OtlpProtoWriterTest {

  private static final TraceAttributes REQUEST = TraceAttributes.builder()
      .traceName("chat-request").userId("user-42").sessionId("session-7").tags("beta", "eu")
      .metadata("tenant", "acme").release("2.0.1").version("prompt-v3").environment("Production").isPublic(true)
      .build();

  private final SpanFixture fixture = new SpanFixture(1024 * 1024);
  private final LangfuseAttributes mapping = LangfuseAttributes.of(TestConfigs.config(
      TestConfigs.builder().serviceName("checkout-service \u00e9").environment("staging").release("1.0.0")));
  private final OtlpJsonWriter json = new OtlpJsonWriter(mapping);
  private final OtlpProtoWriter proto = new OtlpProtoWriter(mapping);

  @Test
  void theProtobufRequestIsTheJsonRequestFieldByField() throws Exception {
    RecordingSpan root = fixture.root("root", ObservationType.CHAIN, REQUEST);
    root.input("what is \"reactive\"?\n\u4f60\u597d \uD83D\uDE00 lone \uD800 end").output(Map.of("answer", 42))
        .metadata("k", List.of(1, 2.5, true));
    fixture.child(root.context(), "retrieve", ObservationType.RETRIEVER, REQUEST).end();
    RecordingSpan generation = fixture.child(root.context(), "chat", ObservationType.GENERATION, REQUEST);
    generation.model("gpt-4o-mini").modelParameter("temperature", 0.2).usage("input", 512).usage("output", 480)
        .cost("total", 0.0125).prompt("qa", 3).completionStart(SpanFixture.START_NANOS + 250_000_000L)
        .input("x".repeat(70_000)).end();
    fixture.child(root.context(), "tool", ObservationType.TOOL, REQUEST)
        .endWithError(new IllegalStateException("boom \uD83D\uDCA5"));
    fixture.child(root.context(), "event", ObservationType.EVENT, TraceAttributes.EMPTY).level(ObservationLevel.WARNING)
        .end();
    root.end();
    fixture.child(SpanContext.remote("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", true), "remote-child",
        ObservationType.AGENT, TraceAttributes.EMPTY).end();
    List<SpanData> spans = new ArrayList<>(fixture.ended());
    // Hand-made, with what the mapping repairs: a bad trace id, a blank name, reversed times.
    SpanData made = spans.get(0);
    spans.add(new SpanData("NOT-A-TRACE-ID", "0000000000000000", null, false, " ", ObservationType.SPAN,
        made.endEpochNanos(), made.startEpochNanos(), ObservationLevel.ERROR, null, null, null, null,
        TraceAttributes.EMPTY, null));

    ExportTraceServiceRequest fromJson = OtlpJson.parse(json.encode(spans));
    ExportTraceServiceRequest fromProto = ExportTraceServiceRequest.parseFrom(proto.encode(spans));

    assertThat(fromProto).isEqualTo(fromJson);
    assertThat(fromProto.getUnknownFields().asMap()).isEmpty();
    List<Span> otlp = spans(fromProto);
    assertThat(otlp).hasSize(spans.size());
    Map<String, Object> chat = attributes(otlp.stream().filter(s -> s.getName().equals("chat")).findFirst().orElseThrow());
    assertThat(chat).containsEntry("langfuse.observation.type", "generation")
        .containsEntry("langfuse.observation.model.name", "gpt-4o-mini")
        .containsEntry("langfuse.trace.tags", List.of("beta", "eu"))
        .containsEntry("langfuse.trace.public", true);
    Span tool = otlp.stream().filter(s -> s.getName().equals("tool")).findFirst().orElseThrow();
    assertThat(tool.getStatus().getCodeValue()).isEqualTo(2);
    assertThat(tool.getStatus().getMessage()).isEqualTo("java.lang.IllegalStateException: boom \uD83D\uDCA5");
  }

  @Test
  void anEmptyBatchIsAnEmptyRequestAndStreamingWritesTheSameBytes() throws Exception {
    assertThat(proto.encode(List.of())).isEmpty();
    assertThat(ExportTraceServiceRequest.parseFrom(proto.encode(List.of())).getResourceSpansCount()).isZero();
    fixture.root("one", ObservationType.SPAN, REQUEST).end();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    proto.encode(fixture.ended(), out);
    assertThat(out.toByteArray()).isEqualTo(proto.encode(fixture.ended()));
  }

  @Test
  void textThatNeedsRepairIsRepairedAlikeOnBothWiresWhateverItsSize() throws Exception {
    // Hand-made SpanData (a custom exporter's), so nothing was sanitized before the writers: lone surrogates in
    // content, names and trace attributes; sizes around the one-, two- and three-byte length boundaries.
    List<SpanData> spans = new ArrayList<>();
    String[] texts = {"", "\uD800", "a\uDC00b", "\uD83D\uDE00", "\u4f60".repeat(43), "x".repeat(127), "y".repeat(128),
        "\u00e9".repeat(8_192), "z".repeat(16_383) + "\uDBFF", "\uD83D".repeat(5_462)};
    for (String text : texts) {
      TraceAttributes trace = TraceAttributes.builder().userId("u" + text).traceName("t\uD800").build();
      spans.add(new SpanData("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, false, "n" + text,
          ObservationType.SPAN, SpanFixture.START_NANOS, SpanFixture.START_NANOS + 1, ObservationLevel.DEFAULT, null,
          '"' + text + '"', '"' + text + '"', null, trace, null));
    }

    ExportTraceServiceRequest fromProto = ExportTraceServiceRequest.parseFrom(proto.encode(spans));

    assertThat(fromProto).isEqualTo(OtlpJson.parse(json.encode(spans)));
    List<Span> otlp = spans(fromProto);
    assertThat(attributes(otlp.get(1))).containsEntry("langfuse.observation.input", "\"\uFFFD\"");
    assertThat(attributes(otlp.get(8)).get("langfuse.observation.output"))
        .isEqualTo('"' + "z".repeat(16_383) + "\uFFFD\"");
  }

  @Test
  void bodiesWrittenAtOnceOnManyThreadsAreTheBodiesWrittenOneByOne() throws Exception {
    // One writer serves every export thread: bodies of different sizes, written concurrently, must neither share
    // a buffer nor see another's bytes.
    List<List<SpanData>> batches = new ArrayList<>();
    for (int b = 0; b < 8; b++) {
      SpanFixture own = new SpanFixture(1024 * 1024);
      for (int i = 0; i <= b * 40; i++) {
        own.root("span-" + b + "-" + i, ObservationType.GENERATION, REQUEST).input("q".repeat(b * 300 + i)).end();
      }
      batches.add(new ArrayList<>(own.ended()));
    }
    List<byte[]> expected = new ArrayList<>();
    for (List<SpanData> batch : batches) {
      expected.add(new OtlpProtoWriter(mapping).encode(batch));
    }
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        results.add(pool.submit(() -> {
          for (int round = 0; round < 50; round++) {
            int b = (round + offset) % batches.size();
            if (!Arrays.equals(proto.encode(batches.get(b)), expected.get(b))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
