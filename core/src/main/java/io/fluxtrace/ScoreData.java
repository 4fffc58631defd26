package io.fluxtrace;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A recorded score, immutable: the only form of a {@link Score} that crosses into export. The comment and metadata
 * were masked (and the metadata serialized to JSON text and truncated) when the score was recorded, so it holds
 * no reference to application objects.
 *
 * @param id the score id; Langfuse upserts scores by it
 * @param timestampEpochNanos when the score was recorded, in nanoseconds since the epoch
 * @param name the score name
 * @param dataType the kind of value
 * @param numericValue the value of a NUMERIC or BOOLEAN (0 or 1) score, else null
 * @param stringValue the value of a CATEGORICAL or TEXT score, else null
 * @param traceId the scored trace, or null for a session score
 * @param observationId the scored observation of that trace, or null
 * @param sessionId the scored session, or null
 * @param comment the masked comment, or null
 * @param metadata the masked metadata as JSON text (an object, or a string when it was truncated), or null
 * @param configId the Langfuse score config, or null
 * @param environment the score's environment (the tracer's unless the score set one), or null
 * @param datasetRunId the scored dataset run (experiment), or null
 * @param source where the score comes from
 * @param queueId the Langfuse annotation queue, or null
 * @param release the release of the scored trace when known, else the tracer's, or null; Langfuse's score schema has
 *     no release, so it is for custom exporters only
 */
public record ScoreData(
    String id,
    long timestampEpochNanos,
    String name,
    ScoreDataType dataType,
    @Nullable Double numericValue,
    @Nullable String stringValue,
    @Nullable String traceId,
    @Nullable String observationId,
    @Nullable String sessionId,
    @Nullable String comment,
    @Nullable String metadata,
    @Nullable String configId,
    @Nullable String environment,
    @Nullable String datasetRunId,
    ScoreSource source,
    @Nullable String queueId,
    @Nullable String release) {

  /** A score of a trace, an observation, a session or a dataset run, from the API. */
  public ScoreData(String id, long timestampEpochNanos, String name, ScoreDataType dataType,
      @Nullable Double numericValue, @Nullable String stringValue, @Nullable String traceId,
      @Nullable String observationId, @Nullable String sessionId, @Nullable String comment,
      @Nullable String metadata, @Nullable String configId, @Nullable String environment,
      @Nullable String datasetRunId) {
    this(id, timestampEpochNanos, name, dataType, numericValue, stringValue, traceId, observationId, sessionId,
        comment, metadata, configId, environment, datasetRunId, ScoreSource.API, null, null);
  }

  /** A score of a trace, an observation or a session. */
  public ScoreData(String id, long timestampEpochNanos, String name, ScoreDataType dataType,
      @Nullable Double numericValue, @Nullable String stringValue, @Nullable String traceId,
      @Nullable String observationId, @Nullable String sessionId, @Nullable String comment,
      @Nullable String metadata, @Nullable String configId, @Nullable String environment) {
    this(id, timestampEpochNanos, name, dataType, numericValue, stringValue, traceId, observationId, sessionId,
        comment, metadata, configId, environment, null);
  }

  /** Checks the required fields and that the value matches the data type. */
  public ScoreData {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(source, "source");
    boolean numeric = dataType == ScoreDataType.NUMERIC || dataType == ScoreDataType.BOOLEAN;
    if (numeric ? numericValue == null || stringValue != null : stringValue == null || numericValue != null) {
      throw new IllegalArgumentException("a " + dataType + " score needs exactly a "
          + (numeric ? "numericValue" : "stringValue"));
    }
  }
}
