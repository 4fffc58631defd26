package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.internal.export.LangfuseAttributes;
import io.fluxtrace.internal.export.OtlpJsonWriter;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The Langfuse fields of issue 17 through a real tracer and the real encoder, parsed strictly with the official
 * OTLP definitions, and asserted where Langfuse's conversion documents how it reads them.
 */
class LangfuseParityTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_SPAN = "00f067aa0ba902b7";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();

  private FluxTracerBuilder builder() {
    return FluxTracer.builder(Map.of()).exporter(spans).shutdownHook(false);
  }

  /** Records with {@code tracer}, then encodes what it recorded as an export with {@code wire}'s settings. */
  private ExportTraceServiceRequest export(FluxTracer tracer, FluxTracerBuilder wire) {
    tracer.close();
    return OtlpJson.parse(new OtlpJsonWriter(LangfuseAttributes.of(TestConfigs.config(wire))).encode(spans.spans()));
  }

  private static Map<String, Object> attributesOf(ExportTraceServiceRequest request, String name) {
    return OtlpJson.spans(request).stream().filter(s -> s.getName().equals(name)).findFirst()
        .map(OtlpJson::attributes).orElseThrow(() -> new AssertionError("no span " + name));
  }

  private static JsonNode json(@Nullable Object text) throws Exception {
    assertThat(text).as("a JSON text attribute").isInstanceOf(String.class);
    return JSON.readTree((String) Objects.requireNonNull(text));
  }

  @Test
  void theAppRootOfAJoinedTraceIsMarkedAsRootForBothWritePaths() {
    FluxTracer tracer = builder().build();
    Span root = tracer.startSpan("handler", ObservationType.SPAN,
        SpanContext.remote(PARENT_TRACE, PARENT_SPAN, true), TraceAttributes.EMPTY);
    tracer.startSpan("child", ObservationType.SPAN, root.context(), TraceAttributes.EMPTY).end();
    root.end();
    tracer.startSpan("own-root", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();

    ExportTraceServiceRequest request = export(tracer, TestConfigs.builder());

    Map<String, Object> appRoot = attributesOf(request, "handler");
    assertThat(appRoot).containsEntry("langfuse.internal.is_app_root", true)
        .containsEntry("langfuse.internal.as_root", true);
    // A local child, and a root without a parent (already a root to Langfuse), carry neither marker.
    assertThat(attributesOf(request, "child")).doesNotContainKeys("langfuse.internal.as_root",
        "langfuse.internal.is_app_root");
    assertThat(attributesOf(request, "own-root")).doesNotContainKeys("langfuse.internal.as_root",
        "langfuse.internal.is_app_root");
  }

  @Test
  void traceInputOutputVersionAndServiceVersionOnTheWire() throws Exception {
    FluxTracer tracer = builder().build();
    TraceAttributes attributes = TraceAttributes.builder().version("trace-v1").build();
    Span root = tracer.startSpan("root", ObservationType.CHAIN, null, attributes)
        .traceInput(Map.of("question", "why?"))
        .traceOutput("because");
    tracer.startSpan("step", ObservationType.SPAN, root.context(), attributes).version("step-v2").end();
    root.end();

    ExportTraceServiceRequest request = export(tracer, TestConfigs.builder().serviceVersion(" 4.2.0 "));

    Map<String, Object> rootAttributes = attributesOf(request, "root");
    assertThat(json(rootAttributes.get("langfuse.trace.input"))).isEqualTo(JSON.readTree("{\"question\":\"why?\"}"));
    assertThat(json(rootAttributes.get("langfuse.trace.output"))).isEqualTo(JSON.readTree("\"because\""));
    assertThat(rootAttributes).containsEntry("langfuse.version", "trace-v1");
    // The observation's own version replaces the trace's on that span only (Langfuse reads langfuse.version per
    // observation, and takes the trace's from any span).
    assertThat(attributesOf(request, "step")).containsEntry("langfuse.version", "step-v2")
        .doesNotContainKeys("langfuse.trace.input", "langfuse.trace.output");
    assertThat(OtlpJson.resourceAttributes(request)).containsEntry("service.version", "4.2.0");
  }

  @Test
  void nestedTraceMetadataIsMaskedTruncatedAndSentAsNestedJson() throws Exception {
    FluxTracer tracer = builder()
        .maxValueBytes(256)
        .masker((kind, value) -> kind == ContentKind.TRACE_METADATA && value instanceof Map<?, ?> m
            && m.containsKey("email") ? Map.of("email", "***") : value)
        .build();
    TraceAttributes attributes = TraceAttributes.builder()
        .metadata("tenant", "acme")
        .metadata("customer", Map.of("tier", "gold", "seats", 12))
        .metadata("contact", Map.of("email", "a@example.com"))
        .metadata("big", List.of("x".repeat(400)))
        .metadata("broken", new Exploding())
        .build();
    Span root = tracer.startSpan("root", ObservationType.SPAN, null, attributes);
    tracer.startSpan("child", ObservationType.SPAN, root.context(), attributes).end();
    root.end();

    ExportTraceServiceRequest request = export(tracer, TestConfigs.builder().maxValueBytes(2048));

    for (String name : List.of("root", "child")) {
      JsonNode metadata = json(attributesOf(request, name).get("langfuse.trace.metadata"));
      assertThat(metadata.get("tenant").asText()).isEqualTo("acme");
      assertThat(metadata.get("customer")).isEqualTo(JSON.readTree("{\"tier\":\"gold\",\"seats\":12}"));
      assertThat(metadata.get("contact")).isEqualTo(JSON.readTree("{\"email\":\"***\"}"));
      assertThat(metadata.get("big").asText()).endsWith("...<fluxtrace: truncated>");
      assertThat(metadata.get("broken").asText()).startsWith("<fluxtrace: unserializable " + Exploding.class.getName());
    }
    assertThat(tracer.stats().contentTruncated()).isPositive();
    assertThat(tracer.stats().contentReplaced()).isPositive();
  }

  /** A value whose serialization fails. */
  public static final class Exploding {
    public String getValue() {
      throw new IllegalStateException("no");
    }
  }

  @Test
  void toolDefinitionsAndToolCallsTakeTheShapesLangfuseExtracts() throws Exception {
    FluxTracer tracer = builder().build();
    tracer.startSpan("llm", ObservationType.GENERATION, null, TraceAttributes.EMPTY)
        .input(List.of(Map.of("role", "user", "content", "Weather in Paris?")))
        .metadata("step", 1)
        .toolDefinitions(List.of(new ToolDefinition("get_weather", "Current weather",
            Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string"))))))
        .toolCalls(List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"),
            new ToolCall("call_2", "get_time", Map.of("zone", "CET"))))
        .output("Let me check.")
        .end();

    Map<String, Object> attributes = attributesOf(export(tracer, TestConfigs.builder()), "llm");

    // Langfuse moves metadata.tools (every item with a function name) into the input as the available tools.
    JsonNode metadata = json(attributes.get("langfuse.observation.metadata"));
    assertThat(metadata.get("step").asInt()).isEqualTo(1);
    assertThat(metadata.get("tools")).isEqualTo(JSON.readTree("""
        [{"type":"function","function":{"name":"get_weather","description":"Current weather",
          "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]"""));
    // It reads tool calls from an output message's tool_calls: {id, function: {name, arguments}}.
    JsonNode output = json(attributes.get("langfuse.observation.output"));
    assertThat(output.get("role").asText()).isEqualTo("assistant");
    assertThat(output.get("content").asText()).isEqualTo("Let me check.");
    assertThat(output.get("tool_calls")).isEqualTo(JSON.readTree("""
        [{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
         {"id":"call_2","type":"function","function":{"name":"get_time","arguments":{"zone":"CET"}}}]"""));
  }

  @Test
  void aTraceWidePromptIsLinkedToGenerationsThatLinkNoneOfTheirOwn() {
    FluxTracer tracer = builder().build();
    TraceAttributes attributes = TraceAttributes.builder().prompt("support-answer", 7).build();
    Span root = tracer.startSpan("root", ObservationType.CHAIN, null, attributes);
    tracer.startSpan("inherits", ObservationType.GENERATION, root.context(), attributes).model("m").end();
    tracer.startSpan("own", ObservationType.GENERATION, root.context(), attributes).prompt("other", 2).end();
    tracer.startSpan("tool", ObservationType.TOOL, root.context(), attributes).end();
    root.end();

    ExportTraceServiceRequest request = export(tracer, TestConfigs.builder());

    assertThat(attributesOf(request, "inherits")).containsEntry("langfuse.observation.prompt.name", "support-answer")
        .containsEntry("langfuse.observation.prompt.version", 7L);
    assertThat(attributesOf(request, "own")).containsEntry("langfuse.observation.prompt.name", "other")
        .containsEntry("langfuse.observation.prompt.version", 2L);
    // Langfuse links a prompt only to generations: other types get none.
    assertThat(attributesOf(request, "tool")).doesNotContainKey("langfuse.observation.prompt.name");
    assertThat(attributesOf(request, "root")).doesNotContainKey("langfuse.observation.prompt.name");
  }

  @Test
  void everyGenAiAttributeSentHasItsLangfuseCounterpartSoLangfuseNeverFallsBackToIt() {
    FluxTracer tracer = builder().build();
    TraceAttributes attributes = TraceAttributes.builder().sessionId("conv-9").build();
    Span root = tracer.startSpan("agent", ObservationType.AGENT, null, attributes);
    tracer.startSpan("chat", ObservationType.GENERATION, root.context(), attributes)
        .model("gpt-4o").provider("openai").usage("input", 10).usage("output", 20).usage("total", 30).end();
    tracer.startSpan("embed", ObservationType.EMBEDDING, root.context(), attributes).model("e5").end();
    tracer.startSpan("tool", ObservationType.TOOL, root.context(), attributes).end();
    root.end();

    ExportTraceServiceRequest request = export(tracer, TestConfigs.builder());

    Map<String, Object> chat = attributesOf(request, "chat");
    assertThat(chat).containsEntry("gen_ai.operation.name", "chat")
        .containsEntry("gen_ai.provider.name", "openai")
        .containsEntry("gen_ai.request.model", "gpt-4o")
        .containsEntry("gen_ai.usage.input_tokens", 10L)
        .containsEntry("gen_ai.usage.output_tokens", 20L)
        .containsEntry("gen_ai.conversation.id", "conv-9");
    assertThat(attributesOf(request, "embed")).containsEntry("gen_ai.operation.name", "embeddings");
    assertThat(attributesOf(request, "tool")).containsEntry("gen_ai.operation.name", "execute_tool");
    // Agents get no operation name: Langfuse ignores the model, usage and cost of invoke_agent spans.
    assertThat(attributesOf(request, "agent")).doesNotContainKey("gen_ai.operation.name");
    for (var span : OtlpJson.spans(request)) {
      Map<String, Object> a = OtlpJson.attributes(span);
      // Langfuse reads a gen_ai.* key only where the langfuse.* key is missing; it is never missing here.
      assertThat(a).containsKey("langfuse.observation.type");
      if (a.containsKey("gen_ai.request.model")) {
        assertThat(a.get("langfuse.observation.model.name")).isEqualTo(a.get("gen_ai.request.model"));
      }
      if (a.containsKey("gen_ai.usage.input_tokens")) {
        assertThat((String) a.get("langfuse.observation.usage_details")).contains("\"input\":10", "\"output\":20");
      }
      if (a.containsKey("gen_ai.conversation.id")) {
        assertThat(a.get("langfuse.session.id")).isEqualTo(a.get("gen_ai.conversation.id"));
      }
      // No gen_ai key Langfuse reads as content, cost, tool name (it renames the observation) or model parameters.
      assertThat(a.keySet()).noneMatch(key -> key.startsWith("gen_ai.input") || key.startsWith("gen_ai.output")
          || key.startsWith("gen_ai.prompt") || key.startsWith("gen_ai.completion") || key.startsWith("gen_ai.tool")
          || key.equals("gen_ai.usage.cost") || (key.startsWith("gen_ai.request.") && !key.equals("gen_ai.request.model")));
    }
  }

  @Test
  void theRealExportCarriesTheNewFieldsToAnIndependentReceiver() throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start();
        FluxTracer tracer = TestConfigs.builder().baseUrl(receiver.baseUrl()).serviceVersion("9.1")
            .environment("Staging").build()) {
      TraceAttributes attributes = TraceAttributes.builder().sessionId("conv-1")
          .metadata("plan", Map.of("seats", 3)).prompt("p", 1).build();
      Span root = tracer.startSpan("handler", ObservationType.SPAN,
          SpanContext.remote(PARENT_TRACE, PARENT_SPAN, true), attributes).traceInput("in");
      tracer.startSpan("chat", ObservationType.GENERATION, root.context(), attributes)
          .model("gpt-4o").provider("anthropic").usage("input", 3).version("v2").end();
      root.end();
      assertThat(tracer.flushBlocking(java.time.Duration.ofSeconds(30)).isClean()).isTrue();

      ExportTraceServiceRequest request = receiver.awaitRequest().traces();
      assertThat(OtlpJson.resourceAttributes(request)).containsEntry("service.version", "9.1");
      Map<String, Object> handler = attributesOf(request, "handler");
      assertThat(handler).containsEntry("langfuse.internal.as_root", true)
          .containsEntry("langfuse.trace.input", "\"in\"")
          .containsEntry("langfuse.environment", "staging");
      Map<String, Object> chat = attributesOf(request, "chat");
      assertThat(chat).containsEntry("langfuse.version", "v2")
          .containsEntry("langfuse.observation.prompt.name", "p")
          .containsEntry("gen_ai.provider.name", "anthropic")
          .containsEntry("gen_ai.conversation.id", "conv-1");
      assertThat(json(chat.get("langfuse.trace.metadata"))).isEqualTo(JSON.readTree("{\"plan\":{\"seats\":3}}"));
    }
  }

  @Test
  void genAiAttributesCanBeTurnedOff() {
    FluxTracer tracer = builder().build();
    tracer.startSpan("chat", ObservationType.GENERATION, null, TraceAttributes.builder().sessionId("s").build())
        .model("gpt-4o").provider("openai").usage("input", 1).end();

    ExportTraceServiceRequest request = export(tracer, TestConfigs.builder().genAiAttributes(false));

    Set<String> keys = OtlpJson.spans(request).stream().flatMap(s -> OtlpJson.attributes(s).keySet().stream())
        .collect(Collectors.toSet());
    assertThat(keys).noneMatch(key -> key.startsWith("gen_ai."))
        .contains("langfuse.observation.model.name", "langfuse.observation.usage_details", "langfuse.session.id");
  }

  @Test
  void seededTraceIdsMatchLangfuseSdksAndStartATraceThatCanBeScoredLater() {
    // sha256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 ...: the first 16 bytes, as create_trace_id does.
    assertThat(TraceIds.fromSeed("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223");
    assertThat(TraceIds.fromSeed("order-4711")).isEqualTo(TraceIds.fromSeed("order-4711"))
        .isNotEqualTo(TraceIds.fromSeed("order-4712"));
    assertThat(TraceIds.isValidTraceId(TraceIds.fromSeed(""))).isTrue();

    InMemoryScoreExporter scores = InMemoryScoreExporter.create();
    FluxTracer tracer = builder().scoreExporter(scores).build();
    String traceId = TraceIds.fromSeed("order-4711");
    tracer.startTrace(traceId, "checkout", ObservationType.SPAN, TraceAttributes.EMPTY).end();
    tracer.score(Score.bool("delivered", true).traceId(TraceIds.fromSeed("order-4711")).build());
    tracer.close();

    assertThat(spans.spans()).singleElement().satisfies(span -> {
      assertThat(span.traceId()).isEqualTo(traceId);
      assertThat(span.parentSpanId()).isNull();
    });
    assertThat(scores.scoresOfTrace(traceId)).hasSize(1);
    assertThatThrownBy(() -> tracer.startTrace("not-hex", "x", ObservationType.SPAN, TraceAttributes.EMPTY))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("traceId");
  }

  @Test
  void traceUrlsGoToTheProjectOrThroughLangfusesRedirect() {
    String trace = TraceIds.fromSeed("x");
    try (FluxTracer direct = TestConfigs.builder().baseUrl("https://eu.example.com/").projectId("p-1").build();
        FluxTracer redirect = TestConfigs.builder().baseUrl("https://eu.example.com").build();
        FluxTracer otlp = FluxTracer.builder(Map.of()).otlpEndpoint("http://localhost:4318/v1/traces")
            .shutdownHook(false).build()) {
      assertThat(direct.traceUrl(trace)).isEqualTo("https://eu.example.com/project/p-1/traces/" + trace);
      assertThat(redirect.traceUrl(trace)).isEqualTo("https://eu.example.com/trace/" + trace);
      assertThat(otlp.traceUrl(trace)).isNull();
      assertThat(direct.traceUrl("nope")).isNull();
    }
    assertThatThrownBy(() -> TestConfigs.builder().projectId("a/b").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("projectId");
  }
}
