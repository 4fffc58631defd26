package io.fluxtrace.internal.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.content.DefaultObjectMapper;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ScoreDataFactoryTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private final TracerMetrics metrics = new TracerMetrics();

  @Test
  void masksTheCommentAndTheMetadataWithTheirKinds() throws Exception {
    List<ContentKind> seen = new ArrayList<>();
    ContentMasker masker = (kind, value) -> {
      seen.add(kind);
      return value.toString().replace("alice@example.com", "<email>");
    };
    ScoreData data = factory(masker, null).toScoreData(Score.numeric("n", 1).traceId(TRACE)
        .comment("mail alice@example.com")
        .metadata("user", "alice@example.com")
        .build());

    assertThat(data.comment()).isEqualTo("mail <email>");
    assertThat(data.metadata()).contains("<email>").doesNotContain("alice");
    assertThat(seen).containsExactly(ContentKind.SCORE_COMMENT, ContentKind.SCORE_METADATA);
  }

  @Test
  void aThrowingMaskerReplacesTheValueWithTheFailedMarker() throws Exception {
    ContentMasker masker = (kind, value) -> {
      throw new IllegalStateException("masking bug");
    };
    ScoreData data = factory(masker, null).toScoreData(Score.bool("n", true).traceId(TRACE)
        .comment("secret comment")
        .metadata("key", "secret metadata")
        .build());

    assertThat(data.comment()).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(new ObjectMapper().readTree(data.metadata()).get("key").asText()).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(data.comment() + data.metadata()).doesNotContain("secret");
    assertThat(metrics.maskingFailures.sum()).isEqualTo(2);
  }

  @Test
  void aMaskerThatReturnsNullDropsTheValue() {
    ScoreData data = factory((kind, value) -> null, null).toScoreData(
        Score.numeric("n", 1).traceId(TRACE).comment("c").metadata("k", "v").build());

    assertThat(data.comment()).isNull();
    assertThat(data.metadata()).isNull();
  }

  @Test
  void copiesTheScoreStampsTheTimeAndDefaultsTheEnvironmentToTheTracers() {
    Score score = Score.categorical("tone", "calm").traceId(TRACE).configId("cfg").build();

    ScoreData data = factory(ContentMasker.none(), "staging").toScoreData(score);
    ScoreData own = factory(ContentMasker.none(), "staging").toScoreData(
        Score.categorical("tone", "calm").traceId(TRACE).environment("dev").build());

    assertThat(data.id()).isEqualTo(score.id());
    assertThat(data.name()).isEqualTo("tone");
    assertThat(data.stringValue()).isEqualTo("calm");
    assertThat(data.numericValue()).isNull();
    assertThat(data.traceId()).isEqualTo(TRACE);
    assertThat(data.configId()).isEqualTo("cfg");
    assertThat(data.timestampEpochNanos()).isEqualTo(42L);
    assertThat(data.metadata()).isNull();
    assertThat(data.environment()).isEqualTo("staging");
    assertThat(own.environment()).isEqualTo("dev");
  }

  @Test
  void metadataBecomesAJsonObject() throws Exception {
    ScoreData data = factory(ContentMasker.none(), null).toScoreData(Score.numeric("n", 1).traceId(TRACE)
        .metadata(Map.of("tokens", 12, "model", "m")).build());

    assertThat(new ObjectMapper().readTree(data.metadata()).get("tokens").asInt()).isEqualTo(12);
  }

  private ScoreDataFactory factory(ContentMasker masker, @Nullable String environment) {
    return new ScoreDataFactory(new ContentEncoder(DefaultObjectMapper.create(), masker, 1024, metrics),
        () -> 42L, environment);
  }
}
