package io.fluxtrace.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's main logic, run as the README's first command runs it: against its embedded OTLP/HTTP receiver, and
 * against a stand-in Langfuse. Assertions are on what it prints.
 */
@Timeout(120)
class DemoMainTest {

  private static final List<String> SHAPE = List.of(
      "chain chat", "  retriever retrieve", "  tool rerank", "  generation generate");
  private static final List<String> SHAPE_WITH_WARNING = List.of(
      "chain chat", "  retriever retrieve", "  tool rerank", "    event nothing-relevant", "  generation generate");
  private static final Pattern TRACE_LINK = Pattern.compile("trace ([0-9a-f]{32})  (\\S+)");

  @Test
  void printsOneTreePerRequestWithUsageAndCostAndNothingDropped() {
    Run run = run(Map.of());

    assertThat(run.code).as(run.output).isZero();
    assertThat(run.output).contains("5 concurrent requests", "traced to the OTLP/HTTP receiver at http://127.0.0.1:");
    List<String> trees = trees(run.output);
    assertThat(trees).hasSize(5);
    for (int i = 0; i < trees.size(); i++) {
      String tree = trees.get(i);
      int request = i + 1;
      assertThat(tree).as("tree %d", request)
          .startsWith("trace ")
          .contains("user user-" + request + "  session session-" + request)
          .contains("question: " + Question.QUESTIONS.get(i));
      assertThat(shape(tree)).as("tree %d", request).isEqualTo(request == 4 ? SHAPE_WITH_WARNING : SHAPE);
      assertThat(line(tree, "generation generate"))
          .containsPattern("model fake-gpt-mini  usage input=\\d+ output=\\d+ total=\\d+  "
              + "cost \\$0\\.\\d+ \\(input \\$0\\.\\d+, output \\$0\\.\\d+\\)  first token \\d+ ms");
    }
    assertThat(line(trees.get(3), "event nothing-relevant")).endsWith("WARNING: no document scored 0.3 or more");
    assertThat(run.output)
        .contains("isolation: 5 requests, 5 traces, 21 spans: each trace holds exactly the spans of its own request")
        .contains("flush: completed: exported 21, dropped 0, failed 0");
  }

  @Test
  void manyConcurrentRequestsEachKeepTheirOwnTrace() {
    Run run = run(Map.of(), "--requests", "60");

    assertThat(run.code).as(run.output).isZero();
    assertThat(trees(run.output)).hasSize(60);
    // Every fifth question finds no document and records a WARNING event: 60 x 4 spans + 12 events.
    assertThat(run.output)
        .contains("isolation: 60 requests, 60 traces, 252 spans: each trace holds exactly")
        .contains("flush: completed: exported 252, dropped 0, failed 0");
  }

  /** The default run above travels as protobuf; the local receiver reads OTLP/JSON as well. */
  @Test
  void theLocalReceiverReadsJsonWhenTheVariableAsksForIt() {
    Run run = run(Map.of("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"));

    assertThat(run.code).as(run.output).isZero();
    assertThat(trees(run.output)).hasSize(5);
    assertThat(run.output)
        .contains("isolation: 5 requests, 5 traces, 21 spans: each trace holds exactly the spans of its own request")
        .contains("flush: completed: exported 21, dropped 0, failed 0");
  }

  @Test
  void withLangfuseKeysExportsToLangfuseAndPrintsALinkPerTrace() {
    try (OtlpReceiver langfuse = OtlpReceiver.start()) {
      langfuse.respondWith(request -> request.path().equals("/api/public/projects")
          ? Reply.status(200, "{\"data\":[{\"id\":\"project-7\",\"name\":\"demo\"}]}")
          : Reply.ok());
      Run run = run(Map.of(
          "LANGFUSE_PUBLIC_KEY", "pk-lf-demo",
          "LANGFUSE_SECRET_KEY", "sk-lf-demo-secret",
          "LANGFUSE_BASE_URL", langfuse.baseUrl() + "/"));

      assertThat(run.code).as(run.output).isZero();
      assertThat(run.output)
          .contains("traced to Langfuse at " + langfuse.baseUrl() + "\n")
          .contains("flush: completed: exported 21, dropped 0, failed 0")
          .doesNotContain("sk-lf-demo-secret")
          .doesNotContain("question:");
      List<String> traceIds = new ArrayList<>();
      Matcher links = TRACE_LINK.matcher(run.output);
      while (links.find()) {
        traceIds.add(links.group(1));
        assertThat(links.group(2)).isEqualTo(langfuse.baseUrl() + "/project/project-7/traces/" + links.group(1));
      }
      assertThat(traceIds).hasSize(5).doesNotHaveDuplicates();
      List<ReceivedRequest> exports = langfuse.requests().stream()
          .filter(r -> r.path().equals("/api/public/otel/v1/traces"))
          .toList();
      assertThat(exports).isNotEmpty().allSatisfy(r -> {
        assertThat(r.header("Authorization")).startsWith("Basic ");
        assertThat(r.header("x-langfuse-ingestion-version")).isEqualTo("4");
      });
      // Protobuf, the default wire, parsed with the official definitions.
      assertThat(exports).allSatisfy(r -> assertThat(r.header("Content-Type")).isEqualTo("application/x-protobuf"));
      List<String> exportedTraceIds = exports.stream()
          .flatMap(r -> OtlpJson.spans(r.traces()).stream())
          .map(OtlpJson::traceId)
          .toList();
      assertThat(exportedTraceIds).containsAll(traceIds);
    }
  }

  @Test
  void withoutTheLangfuseProjectTheLinkIsLangfusesTraceRedirect() {
    try (OtlpReceiver langfuse = OtlpReceiver.start()) {
      langfuse.respondWith(request -> Reply.status(401));

      LangfuseLinks links = LangfuseLinks.lookUp(langfuse.baseUrl(), "pk-lf-demo", "sk-lf-demo",
          java.time.Duration.ofSeconds(10));

      assertThat(links.traceUrl("4bf92f3577b34da6a3ce929d0e0e4736"))
          .isEqualTo(langfuse.baseUrl() + "/trace/4bf92f3577b34da6a3ce929d0e0e4736");
    }
  }

  @Test
  void badArgumentsAndVariablesAreExplained() {
    Run zero = run(Map.of(), "--requests", "0");
    assertThat(zero.code).isEqualTo(2);
    assertThat(zero.output).startsWith("--requests must be a whole number from 1 to 10000, got '0'").contains("usage:");

    Run unknown = run(Map.of(), "--verbose");
    assertThat(unknown.code).isEqualTo(2);
    assertThat(unknown.output).startsWith("unknown argument: --verbose\nusage:");

    Run help = run(Map.of(), "--help");
    assertThat(help.code).isZero();
    assertThat(help.output).startsWith("usage: java -jar examples/target/fluxtrace-demo.jar [--requests N]");

    Run malformed = run(Map.of("LANGFUSE_SAMPLE_RATE", "often"));
    assertThat(malformed.code).isEqualTo(2);
    assertThat(malformed.output).contains("LANGFUSE_SAMPLE_RATE must be a number from 0.0 to 1.0, got 'often'");
  }

  private record Run(int code, String output) {}

  private static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = DemoMain.run(args, env, out);
    return new Run(code, bytes.toString(StandardCharsets.UTF_8));
  }

  /** The printed trees: blocks that start with "trace " and end at a blank line. */
  private static List<String> trees(String output) {
    return Arrays.stream(output.split("\n\n")).filter(block -> block.startsWith("trace ")).toList();
  }

  /** The tree's spans as "type name", indented two spaces per level. */
  private static List<String> shape(String tree) {
    return tree.lines()
        .skip(3) // header, question, answer
        .map(line -> {
          String span = line.substring(2).replaceFirst("^[|`\\- ]*", "");
          int depth = (line.length() - 2 - span.length()) / 4;
          String[] words = span.split(" ");
          return "  ".repeat(depth) + words[0] + " " + words[1];
        })
        .toList();
  }

  private static String line(String tree, String span) {
    return tree.lines().filter(l -> l.contains(span + "  ") || l.endsWith(span)).findFirst().orElseThrow();
  }
}
