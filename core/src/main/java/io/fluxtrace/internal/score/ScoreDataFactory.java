package io.fluxtrace.internal.score;

import io.fluxtrace.ContentKind;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.content.ContentEncoder;
import org.jspecify.annotations.Nullable;

/**
 * Freezes a {@link Score} into a {@link ScoreData} when it is recorded: comment and metadata masked (metadata value
 * by value), serialized and truncated; the tracer's environment filled in; the time stamped.
 */
public final class ScoreDataFactory {

  private final ContentEncoder encoder;
  private final TraceClock clock;
  private final @Nullable String defaultEnvironment;

  public ScoreDataFactory(ContentEncoder encoder, TraceClock clock, @Nullable String defaultEnvironment) {
    this.encoder = encoder;
    this.clock = clock;
    this.defaultEnvironment = defaultEnvironment;
  }

  /** Never throws for a valid score; the masker's failures become {@link io.fluxtrace.ContentMasker#FAILED_MARKER}. */
  public ScoreData toScoreData(Score score) {
    String environment = score.environment();
    return new ScoreData(
        score.id(),
        clock.nowEpochNanos(),
        score.name(),
        score.dataType(),
        score.numericValue(),
        score.stringValue(),
        score.traceId(),
        score.observationId(),
        score.sessionId(),
        encoder.encodeText(ContentKind.SCORE_COMMENT, score.comment()),
        encoder.encodeEntries(ContentKind.SCORE_METADATA, score.metadata()),
        score.configId(),
        environment != null ? environment : defaultEnvironment,
        score.datasetRunId());
  }
}
