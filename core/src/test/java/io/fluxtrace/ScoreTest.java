package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScoreTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  @Test
  void buildsEachDataTypeWithItsValue() {
    Score numeric = Score.numeric("accuracy", 0.25).traceId(TRACE).build();
    Score yes = Score.bool("helpful", true).traceId(TRACE).build();
    Score no = Score.bool("helpful", 0).traceId(TRACE).build();
    Score category = Score.categorical("tone", "friendly").sessionId("session-1").build();
    Score text = Score.text("review", "x".repeat(Score.MAX_TEXT_LENGTH)).traceId(TRACE).observationId(SPAN).build();

    assertThat(numeric.dataType()).isEqualTo(ScoreDataType.NUMERIC);
    assertThat(numeric.numericValue()).isEqualTo(0.25);
    assertThat(numeric.stringValue()).isNull();
    assertThat(yes.numericValue()).isEqualTo(1.0);
    assertThat(no.numericValue()).isEqualTo(0.0);
    assertThat(no.dataType()).isEqualTo(ScoreDataType.BOOLEAN);
    assertThat(category.stringValue()).isEqualTo("friendly");
    assertThat(category.sessionId()).isEqualTo("session-1");
    assertThat(category.traceId()).isNull();
    assertThat(text.stringValue()).hasSize(500);
    assertThat(text.observationId()).isEqualTo(SPAN);
  }

  @Test
  void everyScoreGetsItsOwnUuidUnlessAnIdIsGiven() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = Score.numeric("n", i).traceId(TRACE).build().id();
      assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
      ids.add(id);
    }
    assertThat(ids).hasSize(1000);
    assertThat(Score.numeric("n", 1).traceId(TRACE).id("my-score-1").build().id()).isEqualTo("my-score-1");
  }

  @Test
  void observationFromASpanContextSetsTraceAndObservation() {
    Score score = Score.numeric("n", 1).observation(new SpanContext(TRACE, SPAN, false, true)).build();

    assertThat(score.traceId()).isEqualTo(TRACE);
    assertThat(score.observationId()).isEqualTo(SPAN);
  }

  @Test
  void keepsCommentMetadataConfigAndEnvironmentAndCopiesMetadata() {
    Map<String, Object> metadata = new LinkedHashMap<>(Map.of("judge", "gpt-4o"));
    Score.Builder builder = Score.numeric("n", 1).traceId(TRACE)
        .comment("fine")
        .metadata(metadata)
        .metadata("removed", "x")
        .metadata("removed", null)
        .configId("cfg-1")
        .environment("staging_2");
    Score score = builder.build();
    metadata.put("later", "ignored");
    builder.metadata("later", "ignored");

    assertThat(score.comment()).isEqualTo("fine");
    assertThat(score.metadata()).containsExactly(Map.entry("judge", "gpt-4o"));
    assertThat(score.configId()).isEqualTo("cfg-1");
    assertThat(score.environment()).isEqualTo("staging_2");
    assertThat(score.toString()).contains(score.id(), TRACE).doesNotContain("fine", "gpt-4o");
  }

  @Test
  void nameMustNotBeBlank() {
    assertInvalid(Score.numeric("", 1).traceId(TRACE), "score name");
    assertInvalid(Score.numeric("  ", 1).traceId(TRACE), "score name");
    assertInvalid(Score.numeric(nullString(), 1).traceId(TRACE), "score name");
  }

  @Test
  void targetMustBeExactlyOneOfTraceAndSession() {
    assertInvalid(Score.numeric("n", 1), "score target must be exactly one", "got none");
    assertInvalid(Score.numeric("n", 1).traceId(TRACE).sessionId("s"), "score target must be exactly one",
        "got both");
    assertInvalid(Score.numeric("n", 1).sessionId("s").datasetRunId("run-1"), "score target must be exactly one",
        "got both", "datasetRunId 'run-1'");
    assertInvalid(Score.numeric("n", 1).datasetRunId(""), "score datasetRunId");
    assertThat(Score.numeric("n", 1).datasetRunId("run-1").build().datasetRunId()).isEqualTo("run-1");
  }

  @Test
  void observationNeedsItsTrace() {
    assertInvalid(Score.numeric("n", 1).observationId(SPAN), "observationId", "needs its traceId");
    assertInvalid(Score.numeric("n", 1).observationId(SPAN).sessionId("s"), "score observationId",
        "accompanied by the traceId");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "4bf92f3577b34da6a3ce929d0e0e473", "4BF92F3577B34DA6A3CE929D0E0E4736",
      "00000000000000000000000000000000", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736", "zzf92f3577b34da6a3ce929d0e0e4736"})
  void traceIdMustBeAW3cTraceId(String traceId) {
    assertInvalid(Score.numeric("n", 1).traceId(traceId), "score traceId", "W3C trace id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "00f067aa0ba902b", "00F067AA0BA902B7", "0000000000000000", TRACE})
  void observationIdMustBeAW3cSpanId(String spanId) {
    assertInvalid(Score.numeric("n", 1).traceId(TRACE).observationId(spanId), "score observationId",
        "W3C span id");
  }

  @Test
  void numericValueMustBeFinite() {
    assertInvalid(Score.numeric("n", Double.NaN).traceId(TRACE), "score value", "finite", "NaN");
    assertInvalid(Score.numeric("n", Double.POSITIVE_INFINITY).traceId(TRACE), "score value", "Infinity");
    assertInvalid(Score.numeric("n", Double.NEGATIVE_INFINITY).traceId(TRACE), "score value");
  }

  @Test
  void booleanValueMustBeZeroOrOne() {
    assertInvalid(Score.bool("n", 0.5).traceId(TRACE), "score value", "0 or 1", "0.5");
    assertInvalid(Score.bool("n", 2).traceId(TRACE), "score value", "0 or 1");
    assertInvalid(Score.bool("n", -1).traceId(TRACE), "score value", "0 or 1");
    assertInvalid(Score.bool("n", Double.NaN).traceId(TRACE), "score value", "0 or 1");
  }

  @Test
  void categoricalValueMustNotBeBlank() {
    assertInvalid(Score.categorical("n", "").traceId(TRACE), "score value", "CATEGORICAL");
    assertInvalid(Score.categorical("n", " ").traceId(TRACE), "score value", "CATEGORICAL");
    assertInvalid(Score.categorical("n", nullString()).traceId(TRACE), "score value", "CATEGORICAL");
  }

  @Test
  void textValueMustHaveOneTo500Characters() {
    assertInvalid(Score.text("n", "").traceId(TRACE), "score value", "1 to 500 characters", "'0 characters'");
    assertInvalid(Score.text("n", "x".repeat(501)).traceId(TRACE), "score value", "'501 characters'");
    assertInvalid(Score.text("n", nullString()).traceId(TRACE), "score value", "TEXT");
    assertThat(Score.text("n", " ").traceId(TRACE).build().stringValue()).isEqualTo(" ");
  }

  @Test
  void idsMustFitLangfuseIdRules() {
    String tooLong = "x".repeat(Score.MAX_ID_LENGTH + 1);
    assertInvalid(Score.numeric("n", 1).sessionId(""), "score sessionId", "1 to 800 characters");
    assertInvalid(Score.numeric("n", 1).sessionId(tooLong), "score sessionId", "801 characters");
    assertInvalid(Score.numeric("n", 1).sessionId("a\rb"), "score sessionId", "carriage return");
    assertInvalid(Score.numeric("n", 1).traceId(TRACE).configId(""), "score configId");
    assertInvalid(Score.numeric("n", 1).traceId(TRACE).id("a\r"), "score id");
    assertThat(Score.numeric("n", 1).sessionId("x".repeat(Score.MAX_ID_LENGTH)).build().sessionId()).hasSize(800);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Production", "prod env", "langfuse-prod", "langfuse", "p.1",
      "abcdefghijabcdefghijabcdefghijabcdefghij1"})
  void anyEnvironmentIsKeptAsGivenAndNormalizedOnExportLikeASpans(String environment) {
    // Normalization on the wire: ScoreParityTest.environmentsAreNormalizedOnTheWireAsSpanEnvironmentsAre.
    assertThat(Score.numeric("n", 1).traceId(TRACE).environment(environment).build().environment())
        .isEqualTo(environment);
  }

  @Test
  void queueIdFollowsLangfuseIdRulesAndSourceIsRequired() {
    assertInvalid(Score.numeric("n", 1).traceId(TRACE).queueId(""), "score queueId", "1 to 800 characters");
    assertInvalid(Score.numeric("n", 1).traceId(TRACE).queueId("q\r"), "score queueId", "carriage return");
    assertInvalid(Score.numeric("n", 1).traceId(TRACE).source(nullSource()), "score source", "API, EVAL or ANNOTATION");
    Score score = Score.categorical("verdict", "ok").traceId(TRACE).queueId("queue-1")
        .source(ScoreSource.ANNOTATION).build();
    assertThat(score.queueId()).isEqualTo("queue-1");
    assertThat(score.source()).isEqualTo(ScoreSource.ANNOTATION);
    assertThat(Score.numeric("n", 1).traceId(TRACE).build().source()).isEqualTo(ScoreSource.API);
  }

  @SuppressWarnings("NullAway")
  private static ScoreSource nullSource() {
    return null;
  }

  @Test
  void metadataKeyMustNotBeNull() {
    assertThatThrownBy(() -> Score.numeric("n", 1).metadata(nullString(), "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("score metadata key");
  }

  private static void assertInvalid(Score.Builder builder, String... fragments) {
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("fluxtrace: ")
        .hasMessageContainingAll(fragments);
  }

  /** A null where the API says non-null, as a careless caller would pass it. */
  @SuppressWarnings("NullAway")
  private static String nullString() {
    return null;
  }
}
