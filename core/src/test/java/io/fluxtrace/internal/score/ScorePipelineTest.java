package io.fluxtrace.internal.score;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.ScoreData;
import io.fluxtrace.ScoreDataType;
import io.fluxtrace.internal.pipeline.HeapLayout;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The score pipeline's byte estimate, worked out by hand for {@link HeapLayout#COMPRESSED}. */
class ScorePipelineTest {

  private static final HeapLayout HEAP = HeapLayout.COMPRESSED;

  @Test
  void aNumericScoreCountsItsObjectsIdsAndBoxedValue() {
    // Entry 24 + node 24 + ScoreData 72 (12 + 12 references + a long = 68); id of 36 chars 24 + 56; name
    // "accuracy" 8 chars; Double 24; trace id 24 + 48; environment "prod" 4 chars.
    assertThat(ScorePipeline.estimate(score(null), HEAP)).isEqualTo(24 + 24 + 72 + 80 + 8 + 24 + 72 + 4);
  }

  @Test
  void aCommentCountsOneBytePerCharForLatin1TextAndTwoForCjk() {
    long bare = ScorePipeline.estimate(score(null), HEAP);

    // 100 chars: 24 + align(16 + 100) = 24 + 120; twice as wide: 24 + align(16 + 200) = 24 + 216.
    assertThat(ScorePipeline.estimate(score("é".repeat(100)), HEAP) - bare).isEqualTo(24 + 120);
    assertThat(ScorePipeline.estimate(score("評".repeat(100)), HEAP) - bare).isEqualTo(24 + 216);
  }

  private static ScoreData score(@Nullable String comment) {
    return new ScoreData("0d6f1f4e-2a34-4c8e-9a51-3f3b0b5c7e21", 1, "accuracy", ScoreDataType.NUMERIC, 0.9, null,
        "0af7651916cd43dd8448eb211c80319c", null, null, comment, null, null, "prod");
  }
}
