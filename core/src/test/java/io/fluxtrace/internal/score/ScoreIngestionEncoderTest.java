package io.fluxtrace.internal.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ScoreData;
import io.fluxtrace.ScoreDataType;
import io.fluxtrace.internal.export.Timestamps;
import io.fluxtrace.testing.LangfuseOpenApi;
import java.time.OffsetDateTime;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ScoreIngestionEncoderTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";
  private static final long NANOS = 1_795_000_000_123_456_789L;

  private final ScoreIngestionEncoder encoder = new ScoreIngestionEncoder("fluxtrace-java", "1.2.3");
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aDatasetRunScoreNamesItsRunAndIsAValidIngestionRequest() throws Exception {
    ScoreData run = new ScoreData("r1", NANOS, "accuracy", ScoreDataType.NUMERIC, 0.9, null, null, null, null,
        null, null, null, "sdk-experiment", "experiment-1");

    JsonNode request = json.readTree(encoder.batch(List.of(encoder.event(run, "e1"))));

    assertThat(LangfuseOpenApi.get().ingestionRequestErrors(request)).isEmpty();
    JsonNode body = request.get("batch").get(0).get("body");
    assertThat(body.get("datasetRunId").asText()).isEqualTo("experiment-1");
    assertThat(body.has("traceId")).isFalse();
    assertThat(body.has("sessionId")).isFalse();
  }

  @Test
  void encodesEveryDataTypeAsAValidIngestionRequest() throws Exception {
    List<ScoreData> scores = List.of(
        score("s1", ScoreDataType.NUMERIC, 0.875, null),
        score("s2", ScoreDataType.BOOLEAN, 1.0, null),
        score("s3", ScoreDataType.CATEGORICAL, null, "friendly"),
        score("s4", ScoreDataType.TEXT, null, "a \"quoted\"\nline"),
        new ScoreData("s5", NANOS, "session", ScoreDataType.NUMERIC, -3.0, null, null, null, "session-1", null,
            "\"truncated metadata is a string\"", null, null));

    byte[] body = encoder.batch(List.of(
        encoder.event(scores.get(0), "e1"), encoder.event(scores.get(1), "e2"), encoder.event(scores.get(2), "e3"),
        encoder.event(scores.get(3), "e4"), encoder.event(scores.get(4), "e5")));
    JsonNode request = json.readTree(body);

    assertThat(LangfuseOpenApi.get().ingestionRequestErrors(request)).isEmpty();
    JsonNode batch = request.get("batch");
    assertThat(batch).hasSize(5);
    assertThat(batch.get(0).get("body").get("value").isDouble()).isTrue();
    assertThat(batch.get(0).get("body").get("value").asDouble()).isEqualTo(0.875);
    assertThat(batch.get(1).get("body").get("value").isInt()).isTrue();
    assertThat(batch.get(1).get("body").get("value").asInt()).isEqualTo(1);
    assertThat(batch.get(2).get("body").get("value").asText()).isEqualTo("friendly");
    assertThat(batch.get(3).get("body").get("value").asText()).isEqualTo("a \"quoted\"\nline");
    assertThat(batch.get(4).get("body").has("traceId")).isFalse();
    assertThat(batch.get(4).get("body").get("sessionId").asText()).isEqualTo("session-1");
    assertThat(request.get("metadata").get("batch_size").asInt()).isEqualTo(5);
    assertThat(request.get("metadata").get("sdk_name").asText()).isEqualTo("fluxtrace-java");
    assertThat(request.get("metadata").get("sdk_version").asText()).isEqualTo("1.2.3");
    for (JsonNode event : batch) {
      assertThat(LangfuseOpenApi.get().schemaErrors("ScoreEvent", event)).isEmpty();
      assertThat(LangfuseOpenApi.get().schemaErrors("CreateScoreRequest", event.get("body")))
          .allMatch(error -> error.contains("metadata"));
    }
  }

  @Test
  void writesEnvelopeAndEveryBodyField() throws Exception {
    JsonNode event = json.readTree(encoder.event(score("score-1", ScoreDataType.NUMERIC, 2.5, null), "event-1"));

    assertThat(event.get("id").asText()).isEqualTo("event-1");
    assertThat(event.get("type").asText()).isEqualTo("score-create");
    assertThat(event.get("timestamp").asText()).isEqualTo("2026-11-18T11:06:40.123456Z");
    assertThat(OffsetDateTime.parse(event.get("timestamp").asText()).toInstant().getNano()).isEqualTo(123_456_000);
    JsonNode body = event.get("body");
    assertThat(body.get("id").asText()).isEqualTo("score-1");
    assertThat(body.get("name").asText()).isEqualTo("quality");
    assertThat(body.get("dataType").asText()).isEqualTo("NUMERIC");
    assertThat(body.get("traceId").asText()).isEqualTo(TRACE);
    assertThat(body.get("observationId").asText()).isEqualTo(SPAN);
    assertThat(body.get("environment").asText()).isEqualTo("production");
    assertThat(body.get("comment").asText()).isEqualTo("looks right");
    assertThat(body.get("metadata").get("judge").asText()).isEqualTo("gpt-4o");
    assertThat(body.get("configId").asText()).isEqualTo("cfg-1");
    assertThat(LangfuseOpenApi.get().schemaErrors("CreateScoreRequest", body)).isEmpty();
  }

  @Test
  void leavesOutAbsentFieldsInsteadOfWritingNull() throws Exception {
    ScoreData bare = new ScoreData("id", NANOS, "n", ScoreDataType.NUMERIC, 1.0, null, TRACE, null, null, null, null,
        null, null);

    JsonNode body = json.readTree(encoder.event(bare, "e")).get("body");

    assertThat(body.fieldNames()).toIterable().containsExactly("id", "name", "dataType", "value", "traceId");
  }

  @Test
  void timestampsKeepMicrosecondsAndTheZeroOffset() {
    assertThat(Timestamps.isoMicros(0)).isEqualTo("1970-01-01T00:00:00.000000Z");
    assertThat(Timestamps.isoMicros(1_000_999)).isEqualTo("1970-01-01T00:00:00.001000Z");
  }

  private static ScoreData score(String id, ScoreDataType type, @Nullable Double number, @Nullable String string) {
    return new ScoreData(id, NANOS, "quality", type, number, string, TRACE, SPAN, null, "looks right",
        "{\"judge\":\"gpt-4o\"}", "cfg-1", "production");
  }
}
