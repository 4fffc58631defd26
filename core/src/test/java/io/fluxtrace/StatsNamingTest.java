package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One naming across {@link FlushResult}, {@link TracerStats} and {@link ScoreStats}: {@code failed()} and
 * {@code dropped()} are totals, {@code failedByReason()} the breakdown, {@code failed(reason)} one reason.
 */
class StatsNamingTest {

  @Test
  void failedIsATotalEverywhereAndFailedByReasonTheBreakdown() {
    ScoreStats scores = new ScoreStats(10, 10, 1, 0, 2, 0, 4,
        Map.of(FailureReason.BAD_REQUEST, 2L, FailureReason.TIMEOUT, 0L, FailureReason.UNAUTHORIZED, 1L), 0, 0);
    MediaStats media = new MediaStats(3, 1, 1,
        Map.of(FailureReason.OTHER_STATUS, 2L, FailureReason.RETRIES_EXHAUSTED, 0L), 4, 0, 0);
    TracerStats stats = new TracerStats(20, 20, 19, 1, 0, 12,
        Map.of(FailureReason.RETRIES_EXHAUSTED, 5L, FailureReason.TIMEOUT, 2L), 3, 4, 1000, 0, 0, 0, 0, 0, 0, 0,
        scores, media, SamplingStats.EMPTY);
    FlushResult result = new FlushResult(true, stats);

    assertThat(stats.failed()).isEqualTo(7);
    assertThat(stats.failed(FailureReason.TIMEOUT)).isEqualTo(2);
    assertThat(stats.failed(FailureReason.BAD_REQUEST)).isZero();
    assertThat(stats.failedByReason())
        .containsOnly(Map.entry(FailureReason.RETRIES_EXHAUSTED, 5L), Map.entry(FailureReason.TIMEOUT, 2L));
    assertThat(result.failed()).isEqualTo(stats.failed());
    assertThat(result.dropped()).isEqualTo(stats.dropped()).isEqualTo(1);
    assertThat(stats.spansEnded()).isEqualTo(stats.exported() + stats.failed() + stats.dropped());

    assertThat(scores.failed()).isEqualTo(3);
    assertThat(scores.failedByReason()).as("only the reasons that occurred")
        .containsOnly(Map.entry(FailureReason.BAD_REQUEST, 2L), Map.entry(FailureReason.UNAUTHORIZED, 1L));
    assertThat(scores.recorded()).isEqualTo(scores.exported() + scores.failed() + scores.dropped());
    assertThat(result.isClean()).isFalse();

    assertThat(media.failed()).isEqualTo(2);
    assertThat(media.failedByReason()).as("only the reasons that occurred")
        .containsOnly(Map.entry(FailureReason.OTHER_STATUS, 2L));
    assertThat(media.notUploaded()).as("dropped and failed: each shows a placeholder").isEqualTo(3);
  }
}
