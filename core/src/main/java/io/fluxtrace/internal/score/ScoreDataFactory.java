package io.fluxtrace.internal.score;

import io.fluxtrace.ContentKind;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.content.ContentEncoder;
import org.jspecify.annotations.Nullable;

/**
 * Freezes a {@link Score} into a {@link ScoreData} when it is recorded: comment and metadata masked (metadata value
 * by value), serialized and truncated; the environment and release filled in (the score's own, else those of the
 * request or trace it scores, else the tracer's); the time stamped.
 */
public final class ScoreDataFactory {

  private final ContentEncoder encoder;
  private final TraceClock clock;
  private final @Nullable String defaultEnvironment;
  private final @Nullable String defaultRelease;
  private final RecentTraces recentTraces;

  public ScoreDataFactory(ContentEncoder encoder, TraceClock clock, @Nullable String defaultEnvironment) {
    this(encoder, clock, defaultEnvironment, null, new RecentTraces());
  }

  /**
   * @param recentTraces the environments and releases of traces started here, for scores recorded by trace id
   */
  public ScoreDataFactory(ContentEncoder encoder, TraceClock clock, @Nullable String defaultEnvironment,
      @Nullable String defaultRelease, RecentTraces recentTraces) {
    this.encoder = encoder;
    this.clock = clock;
    this.defaultEnvironment = defaultEnvironment;
    this.defaultRelease = defaultRelease;
    this.recentTraces = recentTraces;
  }

  /** Never throws for a valid score; the masker's failures become {@link io.fluxtrace.ContentMasker#FAILED_MARKER}. */
  public ScoreData toScoreData(Score score) {
    return toScoreData(score, null);
  }

  /**
   * As {@link #toScoreData(Score)}, for a score recorded inside a request whose trace attributes are
   * {@code request}: their environment and release apply unless the score sets its own environment.
   */
  public ScoreData toScoreData(Score score, @Nullable TraceAttributes request) {
    String environment = score.environment();
    String release = null;
    if (request != null) {
      release = request.release();
      if (environment == null) {
        environment = request.environment();
      }
    }
    String traceId = score.traceId();
    if ((environment == null || release == null) && traceId != null) {
      RecentTraces.Entry trace = recentTraces.get(traceId);
      if (trace != null) {
        environment = environment != null ? environment : trace.environment();
        release = release != null ? release : trace.release();
      }
    }
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
        score.datasetRunId(),
        score.source(),
        score.queueId(),
        release != null ? release : defaultRelease);
  }
}
