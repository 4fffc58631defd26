package io.fluxtrace.internal.export;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static io.fluxtrace.testing.OtlpJson.parentSpanId;
import static io.fluxtrace.testing.OtlpJson.singleSpan;
import static io.fluxtrace.testing.OtlpJson.spanId;
import static io.fluxtrace.testing.OtlpJson.spans;
import static io.fluxtrace.testing.OtlpJson.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanContext;
import io.fluxtrace.SpanData;
import io.fluxtrace.TestConfigs;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.internal.span.SpanFixture;
import io.fluxtrace.internal.util.FluxtraceVersion;
import io.fluxtrace.testing.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** What Langfuse reads from each span, field by field, on payloads parsed strictly with the OTLP protos. */
class OtlpJsonWriterTest {

  private static final TraceAttributes REQUEST = TraceAttributes.builder()
      .traceName("chat-request")
      .userId("user-42")
      .sessionId("session-7")
      .tags("beta", "eu")
      .metadata("tenant", "acme")
      .metadata("plan", "pro")
      .release("2.0.1")
      .version("prompt-v3")
      .environment("Production")
      .isPublic(true)
      .build();

  private final ObjectMapper json = new ObjectMapper();
  private final SpanFixture fixture = new SpanFixture(1024 * 1024);
  private final OtlpJsonWriter encoder = new OtlpJsonWriter(LangfuseAttributes.of(TestConfigs.config(
      TestConfigs.builder().serviceName("checkout-service").environment("staging").release("1.0.0"))));

  private ExportTraceServiceRequest roundTrip(List<SpanData> spans) {
    return OtlpJson.parse(encoder.encode(spans));
  }

  @Test
  void aRootSpanCarriesItsIdsNameTimesKindAndType() {
    RecordingSpan span = fixture.root("handle-request", ObservationType.SPAN, TraceAttributes.EMPTY);
    span.end();
    SpanData data = fixture.single();

    byte[] payload = encoder.encode(List.of(data));
    Span otlp = singleSpan(OtlpJson.parse(payload));

    assertThat(traceId(otlp)).isEqualTo(data.traceId());
    assertThat(spanId(otlp)).isEqualTo(data.spanId());
    assertThat(parentSpanId(otlp)).isNull();
    assertThat(otlp.getName()).isEqualTo("handle-request");
    assertThat(otlp.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(otlp.getStartTimeUnixNano()).isEqualTo(SpanFixture.START_NANOS);
    assertThat(otlp.getEndTimeUnixNano()).isEqualTo(SpanFixture.START_NANOS + 1_000_000L);
    assertThat(otlp.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    assertThat(attributes(otlp))
        .containsEntry("langfuse.observation.type", "span")
        .containsEntry("langfuse.observation.level", "DEFAULT")
        .doesNotContainKeys("langfuse.internal.is_app_root", "langfuse.observation.input");
    // OTLP/JSON conventions, which the protobuf parser would also accept in other forms.
    assertThat(new String(payload, StandardCharsets.UTF_8))
        .contains("\"traceId\":\"" + data.traceId() + "\"")
        .contains("\"startTimeUnixNano\":\"" + SpanFixture.START_NANOS + "\"")
        .contains("\"kind\":1");
  }

  @Test
  void childrenPointToTheirParentAndTheAppRootUnderARemoteParentIsMarked() {
    SpanContext remote = SpanContext.remote(TraceIds.newTraceId(), TraceIds.newSpanId(), true);
    RecordingSpan appRoot = fixture.child(remote, "entry", ObservationType.AGENT, REQUEST);
    RecordingSpan child = fixture.child(appRoot.context(), "step", ObservationType.TOOL, REQUEST);
    child.end();
    appRoot.end();

    List<Span> otlp = spans(roundTrip(fixture.ended()));

    Span step = otlp.get(0);
    Span entry = otlp.get(1);
    assertThat(traceId(entry)).isEqualTo(remote.traceId());
    assertThat(parentSpanId(entry)).isEqualTo(remote.spanId());
    assertThat(attributes(entry)).containsEntry("langfuse.internal.is_app_root", true)
        .containsEntry("langfuse.observation.type", "agent")
        .doesNotContainKey("gen_ai.operation.name");
    assertThat(traceId(step)).isEqualTo(remote.traceId());
    assertThat(parentSpanId(step)).isEqualTo(spanId(entry));
    assertThat(attributes(step)).doesNotContainKey("langfuse.internal.is_app_root")
        .containsEntry("langfuse.observation.type", "tool")
        .containsEntry("gen_ai.operation.name", "execute_tool");
  }

  @Test
  void theResourceNamesTheServiceAndTheSdkAndTheScopeIsLangfuseSdkLike() {
    fixture.root("s", ObservationType.SPAN, TraceAttributes.EMPTY).end();

    ExportTraceServiceRequest request = roundTrip(fixture.ended());

    assertThat(OtlpJson.resourceAttributes(request)).containsExactly(
        Map.entry("service.name", "checkout-service"),
        Map.entry("telemetry.sdk.name", "fluxtrace-java"),
        Map.entry("telemetry.sdk.language", "java"),
        Map.entry("telemetry.sdk.version", FluxtraceVersion.VERSION));
    ScopeSpans scopeSpans = request.getResourceSpans(0).getScopeSpans(0);
    assertThat(scopeSpans.getScope().getName()).isEqualTo(LangfuseAttributes.SCOPE_NAME).startsWith("langfuse-sdk");
    assertThat(scopeSpans.getScope().getVersion()).isEqualTo(FluxtraceVersion.VERSION).isNotEqualTo("unknown");
  }

  @Test
  void everySpanCarriesTheTraceAttributes() throws Exception {
    RecordingSpan root = fixture.root("root", ObservationType.CHAIN, REQUEST);
    fixture.child(root.context(), "child", ObservationType.RETRIEVER, REQUEST).end();
    root.end();

    List<Span> otlp = spans(roundTrip(fixture.ended()));

    assertThat(otlp).hasSize(2);
    for (Span span : otlp) {
      Map<String, Object> attributes = attributes(span);
      assertThat(attributes)
          .containsEntry("langfuse.trace.name", "chat-request")
          .containsEntry("langfuse.user.id", "user-42")
          .containsEntry("langfuse.session.id", "session-7")
          .containsEntry("langfuse.trace.tags", List.of("beta", "eu"))
          .containsEntry("langfuse.trace.public", true)
          .containsEntry("langfuse.release", "2.0.1")
          .containsEntry("langfuse.version", "prompt-v3")
          .containsEntry("langfuse.environment", "production");
      JsonNode metadata = json.readTree((String) attributes.get("langfuse.trace.metadata"));
      assertThat(metadata.isObject()).isTrue();
      assertThat(metadata.get("tenant").textValue()).isEqualTo("acme");
      assertThat(metadata.get("plan").textValue()).isEqualTo("pro");
    }
  }

  @Test
  void environmentAndReleaseDefaultToTheTracerSettingsAndEnvironmentIsAlwaysSent() {
    fixture.root("defaults", ObservationType.SPAN, TraceAttributes.EMPTY).end();
    fixture.root("own", ObservationType.SPAN,
        TraceAttributes.builder().environment("Langfuse-EU_West").release("9").build()).end();
    OtlpJsonWriter bare = new OtlpJsonWriter(LangfuseAttributes.of(TestConfigs.config()));

    List<Span> configured = spans(roundTrip(fixture.ended()));
    Span unconfigured = spans(OtlpJson.parse(bare.encode(fixture.ended()))).get(0);

    assertThat(attributes(configured.get(0)))
        .containsEntry("langfuse.environment", "staging")
        .containsEntry("langfuse.release", "1.0.0");
    assertThat(attributes(configured.get(1)))
        .containsEntry("langfuse.environment", "eu_west")
        .containsEntry("langfuse.release", "9");
    assertThat(attributes(unconfigured))
        .containsEntry("langfuse.environment", "default")
        .doesNotContainKey("langfuse.release");
  }

  @Test
  void aGenerationCarriesModelUsageCostPromptAndCompletionStart() throws Exception {
    RecordingSpan generation = fixture.root("llm-call", ObservationType.GENERATION, REQUEST);
    generation.model("gpt-4o-mini")
        .modelParameter("temperature", 0.2)
        .modelParameter("max_tokens", 256)
        .usage("input", 10)
        .usage("output", 20)
        .usage("total", 30)
        .cost("input", 0.0001)
        .cost("output", 0.0004)
        .completionStart(SpanFixture.START_NANOS + 250_000_000L)
        .prompt("support-answer", 3)
        .input(List.of(Map.of("content", "hi")))
        .output("hello!");
    generation.end();

    byte[] payload = encoder.encode(fixture.ended());
    Span otlp = singleSpan(OtlpJson.parse(payload));
    Map<String, Object> attributes = attributes(otlp);

    assertThat(otlp.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(attributes)
        .containsEntry("langfuse.observation.type", "generation")
        .containsEntry("langfuse.observation.model.name", "gpt-4o-mini")
        .containsEntry("gen_ai.request.model", "gpt-4o-mini")
        .containsEntry("gen_ai.operation.name", "chat")
        .containsEntry("gen_ai.usage.input_tokens", 10L)
        .containsEntry("gen_ai.usage.output_tokens", 20L)
        .containsEntry("langfuse.observation.completion_start_time", "2026-01-02T03:04:05.373456Z")
        .containsEntry("langfuse.observation.prompt.name", "support-answer")
        .containsEntry("langfuse.observation.prompt.version", 3L)
        .containsEntry("langfuse.observation.input", "[{\"content\":\"hi\"}]")
        .containsEntry("langfuse.observation.output", "\"hello!\"");
    assertThat(json.readValue((String) attributes.get("langfuse.observation.usage_details"), Map.class))
        .isEqualTo(Map.of("input", 10, "output", 20, "total", 30));
    assertThat(json.readValue((String) attributes.get("langfuse.observation.cost_details"), Map.class))
        .isEqualTo(Map.of("input", 0.0001, "output", 0.0004));
    assertThat(json.readValue((String) attributes.get("langfuse.observation.model.parameters"), Map.class))
        .isEqualTo(Map.of("temperature", 0.2, "max_tokens", 256));
    assertThat(new String(payload, StandardCharsets.UTF_8))
        .contains("\"intValue\":\"10\"")
        .contains("\"intValue\":\"3\"");
  }

  @Test
  void embeddingsAreClientSpansWithTheirOperation() {
    fixture.root("embed", ObservationType.EMBEDDING, TraceAttributes.EMPTY).model("text-embedding-3").end();

    Span otlp = singleSpan(roundTrip(fixture.ended()));

    assertThat(otlp.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(attributes(otlp)).containsEntry("gen_ai.operation.name", "embeddings")
        .containsEntry("langfuse.observation.model.name", "text-embedding-3")
        .doesNotContainKeys("langfuse.observation.usage_details", "langfuse.observation.prompt.name");
  }

  @Test
  void anErrorSetsTheLevelTheStatusMessageAndTheErrorStatus() {
    fixture.root("failing", ObservationType.SPAN, TraceAttributes.EMPTY)
        .endWithError(new IllegalArgumentException("bad input"));
    fixture.root("cancelled", ObservationType.SPAN, TraceAttributes.EMPTY).endCancelled();

    List<Span> otlp = spans(roundTrip(fixture.ended()));

    Span failing = otlp.get(0);
    assertThat(failing.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(failing.getStatus().getMessage()).isEqualTo("java.lang.IllegalArgumentException: bad input");
    assertThat(attributes(failing))
        .containsEntry("langfuse.observation.level", "ERROR")
        .containsEntry("langfuse.observation.status_message", "java.lang.IllegalArgumentException: bad input");
    Span cancelled = otlp.get(1);
    assertThat(cancelled.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_UNSET);
    assertThat(attributes(cancelled))
        .containsEntry("langfuse.observation.level", "WARNING")
        .containsEntry("langfuse.observation.status_message", "cancelled");
  }

  @Test
  void inputOutputAndMetadataTravelAsJsonText() throws Exception {
    fixture.root("io", ObservationType.SPAN, TraceAttributes.EMPTY)
        .input(Map.of("question", "why?"))
        .output(42)
        .metadata("step", 1)
        .metadata("source", "faq")
        .end();

    Map<String, Object> attributes = attributes(singleSpan(roundTrip(fixture.ended())));

    assertThat(attributes)
        .containsEntry("langfuse.observation.input", "{\"question\":\"why?\"}")
        .containsEntry("langfuse.observation.output", "42");
    JsonNode metadata = json.readTree((String) attributes.get("langfuse.observation.metadata"));
    assertThat(metadata.get("step").intValue()).isEqualTo(1);
    assertThat(metadata.get("source").textValue()).isEqualTo("faq");
  }

  @Test
  void anEmptyBatchIsAValidEmptyRequest() {
    byte[] payload = encoder.encode(List.of());

    assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo("{\"resourceSpans\":[]}");
    assertThat(OtlpJson.parse(payload).getResourceSpansCount()).isZero();
  }

  @Test
  void streamingToAnOutputStreamWritesTheSameBytesAndLeavesItOpen() throws IOException {
    fixture.root("a", ObservationType.EVENT, REQUEST).end();
    ClosingTracker out = new ClosingTracker();

    encoder.encode(fixture.ended(), out);

    assertThat(out.toByteArray()).isEqualTo(encoder.encode(fixture.ended()));
    assertThat(out.closed).isFalse();
  }

  @Test
  void theParserAcceptsGzippedPayloads() throws IOException {
    fixture.root("zipped", ObservationType.SPAN, REQUEST).end();
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
      gzip.write(encoder.encode(fixture.ended()));
    }

    assertThat(singleSpan(OtlpJson.parse(zipped.toByteArray())).getName()).isEqualTo("zipped");
  }

  @Test
  void handMadeSpanDataIsRepairedIntoValidSpans() throws Exception {
    String upperTrace = "0AF7651916CD43DD8448EB211C80319C";
    Map<String, Double> cost = new LinkedHashMap<>();
    cost.put("input", Double.NaN);
    cost.put("output", -1.0);
    cost.put("total", 0.5);
    SpanData bad = new SpanData(upperTrace, "not-a-span-id", "0000000000000000", true, "  ",
        ObservationType.GENERATION, -5, -10, ObservationLevel.ERROR, null, "not json", null, "[1,2]",
        TraceAttributes.EMPTY, new GenerationData(null, "\"a string\"", Map.of("input", -3L), cost, 0, null, null));
    SpanData sibling = new SpanData("garbage trace id", "not-a-span-id", "also bad", false, "x",
        ObservationType.SPAN, 1, 2, ObservationLevel.DEFAULT, null, null, null, null, TraceAttributes.EMPTY, null);
    SpanData again = new SpanData("garbage trace id", "B7AD6B7169203331", null, false, "y",
        ObservationType.SPAN, 1, 2, ObservationLevel.DEFAULT, null, null, null, null, TraceAttributes.EMPTY, null);

    List<Span> otlp = spans(roundTrip(List.of(bad, sibling, again)));

    Span first = otlp.get(0);
    assertThat(traceId(first)).isEqualTo(upperTrace.toLowerCase());
    assertThat(spanId(first)).matches("[0-9a-f]{16}");
    assertThat(parentSpanId(first)).as("an all-zero parent means no parent").isNull();
    assertThat(first.getName()).isEqualTo("unnamed");
    assertThat(first.getStartTimeUnixNano()).isZero();
    assertThat(first.getEndTimeUnixNano()).isZero();
    assertThat(first.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(attributes(first))
        .containsEntry("langfuse.observation.input", "not json")
        .containsEntry("langfuse.observation.cost_details", "{\"total\":0.5}")
        .doesNotContainKeys("langfuse.observation.metadata", "langfuse.observation.model.parameters",
            "langfuse.observation.usage_details", "gen_ai.usage.input_tokens",
            "langfuse.internal.is_app_root");
    assertThat(spanId(otlp.get(1))).as("the same bad id maps to the same valid id").isEqualTo(spanId(first));
    assertThat(traceId(otlp.get(1))).isEqualTo(traceId(otlp.get(2))).matches("[0-9a-f]{32}");
    assertThat(parentSpanId(otlp.get(1))).matches("[0-9a-f]{16}");
    assertThat(spanId(otlp.get(2))).isEqualTo("b7ad6b7169203331");
  }

  private static final class ClosingTracker extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean closed;

    @Override
    public void write(int b) {
      bytes.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
    }

    @Override
    public void close() {
      closed = true;
    }

    byte[] toByteArray() {
      return bytes.toByteArray();
    }
  }

  @Test
  void completionStartTimesAreIsoMicrosecondsInUtcLikeTheJdkFormatter() {
    DateTimeFormatter jdk =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
    Random random = new Random(7);
    List<Long> times = new ArrayList<>(List.of(0L, 1L, -1L, 999L, 1_000L, Long.MAX_VALUE, Long.MIN_VALUE,
        951_782_400_000_000_000L /* 2000-02-29 */, 1_767_225_599_999_999_999L /* end of 2025 */));
    for (int i = 0; i < 1_000; i++) {
      times.add(random.nextLong());
    }
    for (long nanos : times) {
      Instant instant =
          Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
      assertThat(Timestamps.isoMicros(nanos)).as("%d", nanos).isEqualTo(jdk.format(instant));
    }
  }
}
