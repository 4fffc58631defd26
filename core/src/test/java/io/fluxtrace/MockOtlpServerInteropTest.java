package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.testing.ChildProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acceptance: an OTLP receiver that fluxtrace did not write, {@code @elastic/mockotlpserver} (run by
 * {@code src/test/node/mockotlp-receiver.js}), decodes what the real tracer exports, in OTLP/HTTP protobuf (the
 * default) and in JSON, and finds the same spans, ids and Langfuse attributes in both. The package is installed by this test when missing. Without node or npm the test
 * fails when {@code CI=true} and is skipped otherwise.
 */
class MockOtlpServerInteropTest {

  private static final Path NODE_DIR = Path.of(System.getProperty("basedir", ""), "src", "test", "node");
  private static final Duration INSTALL_LIMIT = Duration.ofMinutes(4);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path logs;

  @BeforeAll
  @Timeout(300)
  static void installMockOtlpServer() throws Exception {
    requireTool("node");
    requireTool("npm");
    if (Files.exists(NODE_DIR.resolve("node_modules/@elastic/mockotlpserver/package.json"))) {
      return;
    }
    try (ChildProcess npm = ChildProcess.start(
        List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock"), NODE_DIR, logs)) {
      npm.closeInput();
      assertThat(npm.waitFor(INSTALL_LIMIT)).as("npm install finished within %s: %s", INSTALL_LIMIT, npm.describe())
          .isTrue();
      assertThat(npm.exitCode()).as("npm install: %s", npm.describe()).isZero();
    }
    assertThat(NODE_DIR.resolve("node_modules/@elastic/mockotlpserver/package.json")).exists();
  }

  /** Fails under {@code CI=true} when {@code tool} does not run, else skips the test with the reason. */
  private static void requireTool(String tool) throws InterruptedException {
    String problem;
    try (ChildProcess version = ChildProcess.start(List.of(tool, "--version"), NODE_DIR, logs)) {
      version.closeInput();
      problem = !version.waitFor(WAIT) ? "did not answer --version within " + WAIT
          : version.exitCode() != 0 ? "failed: " + version.describe() : null;
    } catch (IOException e) {
      problem = "is not installed (" + e.getMessage() + ")";
    }
    if (problem != null) {
      String message = tool + " " + problem + "; the interop test with @elastic/mockotlpserver needs node and npm";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (required when CI=true)");
      }
      Assumptions.abort(message + " (skipped: CI is not true)");
    }
  }

  /** The same spans and assertions in both wire formats: mockotlpserver decodes each with its own parser. */
  @ParameterizedTest
  @ValueSource(strings = {"http/protobuf", "http/json"})
  @Timeout(60)
  void mockotlpserverDecodesTheSameSpansIdsAndLangfuseAttributes(String protocol) throws Exception {
    try (ChildProcess node = ChildProcess.start(List.of("node", "mockotlp-receiver.js"), NODE_DIR, logs)) {
      node.awaitOutput(out -> listeningUrl(out) != null, WAIT);
      String url = Objects.requireNonNull(listeningUrl(node.output()));
      assertThat(url).startsWith("http://127.0.0.1:").endsWith("/");

      Exported exported = exportVariedSpans(url + "v1/traces", protocol);

      node.awaitOutput(out -> spansByName(out).size() >= exported.ids.size(), WAIT);
      Map<String, JsonNode> received = spansByName(node.output());
      assertThat(received.keySet()).containsExactlyInAnyOrderElementsOf(exported.ids.keySet());
      exported.ids.forEach((name, context) -> {
        JsonNode span = span(received, name);
        assertThat(span.path("traceId").asText()).as("%s traceId", name).isEqualTo(context.traceId());
        assertThat(span.path("spanId").asText()).as("%s spanId", name).isEqualTo(context.spanId());
        String parent = exported.parents.get(name);
        assertThat(span.path("parentSpanId").asText("")).as("%s parentSpanId", name)
            .isEqualTo(parent == null ? "" : parent);
        assertThat(Long.parseLong(span.path("endTimeUnixNano").asText()))
            .isGreaterThanOrEqualTo(Long.parseLong(span.path("startTimeUnixNano").asText()));
      });
      assertRequestedAttributes(received);
      node.closeInput();
      assertThat(node.waitFor(WAIT)).as("node ends when its stdin closes").isTrue();
    }
  }

  private static void assertRequestedAttributes(Map<String, JsonNode> received) throws JsonProcessingException {
    String traceAttributes = """
        {"langfuse.user.id": "user-7", "langfuse.session.id": "session-42", "langfuse.trace.name": "interop-trace",
         "langfuse.trace.tags": ["interop", "node"], "langfuse.release": "1.2.3", "langfuse.version": "v7",
         "langfuse.environment": "staging", "langfuse.trace.public": true}""";
    for (String name : List.of("interop-root", "interop-generation", "interop-tool", "interop-retriever")) {
      JsonNode attributes = span(received, name).path("attributes");
      assertContains(name, attributes, traceAttributes);
      assertThat(embeddedJson(attributes, "langfuse.trace.metadata")).isEqualTo(JSON.readTree("{\"tenant\":\"acme\"}"));
    }

    JsonNode root = span(received, "interop-root");
    assertThat(root.path("kind").asText()).isEqualTo("SPAN_KIND_INTERNAL");
    assertContains("interop-root", root.path("attributes"), "{\"langfuse.observation.type\": \"agent\"}");
    assertThat(embeddedJson(root.path("attributes"), "langfuse.observation.input"))
        .isEqualTo(JSON.readTree("{\"question\":\"What is OTLP?\"}"));
    assertThat(embeddedJson(root.path("attributes"), "langfuse.observation.output")).isEqualTo(JSON.readTree("\"done\""));
    assertThat(embeddedJson(root.path("attributes"), "langfuse.observation.metadata"))
        .isEqualTo(JSON.readTree("{\"step\":1}"));

    JsonNode generation = span(received, "interop-generation");
    assertThat(generation.path("kind").asText()).isEqualTo("SPAN_KIND_CLIENT");
    JsonNode generationAttributes = generation.path("attributes");
    assertContains("interop-generation", generationAttributes, """
        {"langfuse.observation.type": "generation", "langfuse.observation.model.name": "gpt-4o-mini",
         "gen_ai.request.model": "gpt-4o-mini", "gen_ai.operation.name": "chat",
         "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 34,
         "gen_ai.provider.name": "openai", "gen_ai.conversation.id": "session-42",
         "langfuse.observation.prompt.name": "greeting", "langfuse.observation.prompt.version": 3}""");
    assertThat(embeddedJson(generationAttributes, "langfuse.observation.usage_details"))
        .isEqualTo(JSON.readTree("{\"input\":12,\"output\":34,\"total\":46}"));
    assertThat(embeddedJson(generationAttributes, "langfuse.observation.cost_details"))
        .isEqualTo(JSON.readTree("{\"input\":0.0001,\"output\":0.0002}"));
    assertThat(embeddedJson(generationAttributes, "langfuse.observation.model.parameters"))
        .isEqualTo(JSON.readTree("{\"temperature\":0.2}"));
    assertThat(generationAttributes.path("langfuse.observation.completion_start_time").asText())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");

    JsonNode tool = span(received, "interop-tool");
    assertThat(tool.path("status").path("code").asText()).isEqualTo("STATUS_CODE_ERROR");
    assertThat(tool.path("status").path("message").asText()).isEqualTo("java.lang.IllegalStateException: boom");
    assertContains("interop-tool", tool.path("attributes"), """
        {"langfuse.observation.type": "tool", "langfuse.observation.level": "ERROR",
         "langfuse.observation.status_message": "java.lang.IllegalStateException: boom"}""");

    JsonNode other = span(received, "interop-other-trace");
    assertContains("interop-other-trace", other.path("attributes"), "{\"langfuse.environment\": \"default\"}");
    assertThat(other.path("attributes").has("langfuse.user.id")).as("no attributes of the other trace").isFalse();
  }

  /**
   * Ends two traces through a real tracer exporting in {@code protocol}, uncompressed (mockotlpserver does not take
   * gzip).
   */
  private static Exported exportVariedSpans(String endpoint, String protocol) {
    Exported exported = new Exported();
    try (FluxTracer tracer = FluxTracer.builder(Map.of())
        .otlpEndpoint(endpoint)
        .otlpProtocol(protocol)
        .gzip(false)
        .serviceName("interop-test")
        .shutdownHook(false)
        .build()) {
      TraceAttributes attributes = TraceAttributes.builder()
          .userId("user-7").sessionId("session-42").traceName("interop-trace").tags("interop", "node")
          .metadata("tenant", "acme").release("1.2.3").version("v7").environment("Staging").isPublic(true)
          .build();
      Span root = exported.start(tracer, "interop-root", ObservationType.AGENT, null, attributes)
          .input(Map.of("question", "What is OTLP?"))
          .metadata("step", 1);
      Span generation = exported.start(tracer, "interop-generation", ObservationType.GENERATION, root, attributes)
          .model("gpt-4o-mini")
          .provider("openai")
          .modelParameter("temperature", 0.2)
          .usage("input", 12).usage("output", 34).usage("total", 46)
          .cost("input", 0.0001).cost("output", 0.0002)
          .prompt("greeting", 3)
          .completionStart();
      exported.start(tracer, "interop-retriever", ObservationType.RETRIEVER, generation, attributes)
          .output(List.of("doc-1", "doc-2"))
          .end();
      generation.output("OTLP is the OpenTelemetry protocol").end();
      exported.start(tracer, "interop-tool", ObservationType.TOOL, root, attributes)
          .input("lookup")
          .endWithError(new IllegalStateException("boom"));
      root.output("done").end();
      exported.start(tracer, "interop-other-trace", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();

      FlushResult result = tracer.flushBlocking(WAIT);
      assertThat(result.isClean()).as("%s", result).isTrue();
      assertThat(result.exported()).isEqualTo(exported.ids.size());
    }
    return exported;
  }

  /** The URL in the complete {@code LISTENING} line, once printed. */
  private static @Nullable String listeningUrl(String output) {
    return completeLines(output).stream()
        .filter(line -> line.startsWith("LISTENING "))
        .map(line -> line.substring("LISTENING ".length()).trim())
        .findFirst()
        .orElse(null);
  }

  /** The lines printed so far, without a last one that may still be being written. */
  private static List<String> completeLines(String output) {
    List<String> lines = output.lines().toList();
    return output.endsWith("\n") ? lines : lines.subList(0, Math.max(0, lines.size() - 1));
  }

  /** Every span in the complete {@code TRACE} lines printed so far, by name. */
  private static Map<String, JsonNode> spansByName(String output) {
    Map<String, JsonNode> spans = new HashMap<>();
    for (String line : completeLines(output)) {
      if (!line.startsWith("TRACE ")) {
        continue;
      }
      JsonNode trace;
      try {
        trace = JSON.readTree(line.substring("TRACE ".length()));
      } catch (JsonProcessingException e) {
        throw new AssertionError("mockotlpserver printed a line that is not JSON: " + line, e);
      }
      for (JsonNode resourceSpans : trace.path("resourceSpans")) {
        assertThat(resourceSpans.path("resource").path("attributes").path("service.name").asText())
            .isEqualTo("interop-test");
        for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
          for (JsonNode span : scopeSpans.path("spans")) {
            assertThat(spans.put(span.path("name").asText(), span)).as("received once").isNull();
          }
        }
      }
    }
    return spans;
  }

  private static JsonNode span(Map<String, JsonNode> received, String name) {
    return Objects.requireNonNull(received.get(name), () -> "mockotlpserver reported no span " + name);
  }

  /** Asserts that {@code attributes} hold every field of {@code expectedJson} with the same value. */
  private static void assertContains(String span, JsonNode attributes, String expectedJson)
      throws JsonProcessingException {
    JsonNode expected = JSON.readTree(expectedJson);
    for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      assertThat(attributes.get(field.getKey())).as("%s attribute %s", span, field.getKey())
          .isEqualTo(field.getValue());
    }
  }

  /** An attribute that carries JSON text, parsed. */
  private static JsonNode embeddedJson(JsonNode attributes, String key) throws JsonProcessingException {
    JsonNode text = attributes.get(key);
    assertThat(text).as("attribute %s", key).isNotNull();
    assertThat(text.isTextual()).as("attribute %s is JSON text", key).isTrue();
    return JSON.readTree(text.textValue());
  }

  /** The identities of the spans ended, by name, and their parents' span ids. */
  private static final class Exported {
    final Map<String, SpanContext> ids = new HashMap<>();
    final Map<String, String> parents = new HashMap<>();

    Span start(FluxTracer tracer, String name, ObservationType type, @Nullable Span parent,
        TraceAttributes attributes) {
      Span span = tracer.startSpan(name, type, parent == null ? null : parent.context(), attributes);
      ids.put(name, span.context());
      if (parent != null) {
        parents.put(name, Objects.requireNonNull(parent.context().spanId()));
      }
      return span;
    }
  }
}
