package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.internal.score.ScoreIngestionEncoder;
import io.fluxtrace.testing.LangfuseOpenApi;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Scores of issue 17: the environment and release of the scored trace or request, environments normalized as span
 * environments are, and the source, dataset run, annotation queue and config ids on the wire, validated against
 * Langfuse's OpenAPI description.
 */
class ScoreParityTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private final InMemoryScoreExporter scores = InMemoryScoreExporter.create();
  private final ScoreIngestionEncoder encoder = new ScoreIngestionEncoder("fluxtrace-java", "test");

  private FluxTracer tracer(String environment, String release) {
    return FluxTracer.builder(Map.of("LANGFUSE_TRACING_ENVIRONMENT", environment, "LANGFUSE_RELEASE", release))
        .exporter(InMemorySpanExporter.create()).scoreExporter(scores).shutdownHook(false).build();
  }

  private static ScoreData only(List<ScoreData> scores, String name) {
    return scores.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no score " + name));
  }

  @Test
  void aScoreByIdOfATraceStartedHereTakesThatTracesEnvironmentAndRelease() {
    try (FluxTracer tracer = tracer("production", "r1")) {
      Span staging = tracer.startSpan("request", ObservationType.SPAN, null,
          TraceAttributes.builder().environment("staging").release("r2").build());
      Span plain = tracer.startSpan("other", ObservationType.SPAN, null, TraceAttributes.EMPTY);
      String stagingTrace = staging.context().traceId();
      tracer.score(Score.numeric("open", 1).traceId(stagingTrace).build());
      tracer.score(Score.numeric("observation", 1).observation(staging.context()).build());
      staging.end();
      plain.end();
      tracer.score(Score.numeric("later", 1).traceId(stagingTrace).build());
      tracer.score(Score.numeric("own", 1).traceId(stagingTrace).environment("qa").build());
      tracer.score(Score.numeric("plain", 1).traceId(plain.context().traceId()).build());
      tracer.score(Score.numeric("elsewhere", 1).traceId(TRACE).build());
    }
    List<ScoreData> recorded = scores.scores();
    for (String name : List.of("open", "observation", "later")) {
      assertThat(only(recorded, name).environment()).as(name).isEqualTo("staging");
      assertThat(only(recorded, name).release()).as(name).isEqualTo("r2");
    }
    assertThat(only(recorded, "own").environment()).isEqualTo("qa");
    assertThat(only(recorded, "own").release()).isEqualTo("r2");
    for (String name : List.of("plain", "elsewhere")) {
      assertThat(only(recorded, name).environment()).as(name).isEqualTo("production");
      assertThat(only(recorded, name).release()).as(name).isEqualTo("r1");
    }
  }

  @Test
  void aScoreRecordedInsideARequestTakesTheRequestsEnvironmentAndRelease() {
    try (FluxTracer tracer = tracer("production", "r1")) {
      TraceAttributes request = TraceAttributes.builder().environment("Staging").release("r3").build();
      // A remote caller's trace, joined without a local span: only the request's attributes know its environment.
      tracer.score(Score.numeric("joined", 1).traceId(TRACE).build(), request);
      tracer.score(Score.numeric("own", 1).traceId(TRACE).environment("qa").build(), request);
      tracer.score(Score.numeric("defaults", 1).traceId(TRACE).build(), TraceAttributes.EMPTY);
    }
    assertThat(only(scores.scores(), "joined").environment()).isEqualTo("Staging");
    assertThat(only(scores.scores(), "joined").release()).isEqualTo("r3");
    assertThat(only(scores.scores(), "own").environment()).isEqualTo("qa");
    assertThat(only(scores.scores(), "defaults").environment()).isEqualTo("production");
    assertThat(only(scores.scores(), "defaults").release()).isEqualTo("r1");
  }

  @Test
  void environmentsAreNormalizedOnTheWireAsSpanEnvironmentsAre() throws Exception {
    try (FluxTracer tracer = tracer("Production", "r1")) {
      tracer.score(Score.numeric("default-env", 1).traceId(TRACE).build());
      tracer.score(Score.numeric("prefixed", 1).traceId(TRACE).environment("Langfuse-Staging").build());
      tracer.score(Score.numeric("invalid", 1).traceId(TRACE).environment("prod.eu").build());
    }
    Map<String, String> expected = Map.of("default-env", "production", "prefixed", "staging", "invalid", "default");
    for (ScoreData score : scores.scores()) {
      JsonNode request = JSON.readTree(encoder.batch(List.of(encoder.event(score, "e-" + score.name()))));
      assertThat(LangfuseOpenApi.get().ingestionRequestErrors(request)).isEmpty();
      assertThat(request.at("/batch/0/body/environment").asText()).as(score.name())
          .isEqualTo(expected.get(score.name()));
    }
  }

  @Test
  void sourceQueueDatasetRunAndConfigIdsOnTheWire() throws Exception {
    try (FluxTracer tracer = tracer("production", "r1")) {
      tracer.score(Score.categorical("verdict", "good").traceId(TRACE).source(ScoreSource.ANNOTATION)
          .queueId("queue-7").configId("config-3").build());
      tracer.score(Score.numeric("accuracy", 0.9).datasetRunId("run-1").source(ScoreSource.EVAL).build());
      tracer.score(Score.bool("api", true).traceId(TRACE).build());
    }
    JsonNode verdict = body(only(scores.scores(), "verdict"));
    assertThat(verdict.get("source").asText()).isEqualTo("ANNOTATION");
    assertThat(verdict.get("queueId").asText()).isEqualTo("queue-7");
    assertThat(verdict.get("configId").asText()).isEqualTo("config-3");
    assertThat(LangfuseOpenApi.get().schemaErrors("ScoreSource", verdict.get("source"))).isEmpty();
    // An annotation score is also a valid body of POST /api/public/scores, which refuses EVAL.
    assertThat(LangfuseOpenApi.get().schemaErrors("CreateScoreSource", verdict.get("source"))).isEmpty();

    JsonNode accuracy = body(only(scores.scores(), "accuracy"));
    assertThat(accuracy.get("source").asText()).isEqualTo("EVAL");
    assertThat(accuracy.get("datasetRunId").asText()).isEqualTo("run-1");
    assertThat(accuracy.has("traceId")).isFalse();
    assertThat(LangfuseOpenApi.get().schemaErrors("ScoreSource", accuracy.get("source"))).isEmpty();

    // API is Langfuse's default source: left out, as before.
    assertThat(body(only(scores.scores(), "api")).has("source")).isFalse();
    assertThat(body(only(scores.scores(), "api")).has("queueId")).isFalse();
  }

  /** The score's body in a batch that passed the ingestion schema. */
  private JsonNode body(ScoreData score) throws Exception {
    JsonNode request = JSON.readTree(encoder.batch(List.of(encoder.event(score, "e-" + score.id()))));
    assertThat(LangfuseOpenApi.get().ingestionRequestErrors(request)).isEmpty();
    assertThat(LangfuseOpenApi.get().schemaErrors("ScoreBody", request.at("/batch/0/body"))).isEmpty();
    return request.at("/batch/0/body");
  }
}
