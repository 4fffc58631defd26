package io.fluxtrace;

import io.fluxtrace.internal.util.Uuids;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * An evaluation attached to a trace, an observation (a span) or a session: a name and a numeric, boolean,
 * categorical or text value, with an optional comment, metadata and Langfuse score config. Immutable and
 * thread-safe; record it with {@link FluxTracer#score(Score)}.
 *
 * <pre>{@code
 * tracer.score(Score.numeric("relevance", 0.87)
 *     .observation(span.context())
 *     .comment("judged by gpt-4o")
 *     .build());
 * }</pre>
 *
 * <p>{@link Builder#build()} checks Langfuse's rules and throws {@link IllegalArgumentException} naming the field,
 * so a mistake shows up at the call instead of as a rejected event on the server:
 *
 * <ul>
 *   <li>{@code name}: not blank;
 *   <li>target: exactly one of trace, session and dataset run (an experiment); an observation needs its trace. Trace ids are W3C trace ids (32
 *       lowercase hex characters), observation ids W3C span ids (16), as every fluxtrace span has;
 *   <li>{@code value}: NUMERIC finite; BOOLEAN 0 or 1 ({@code true}/{@code false} map to 1/0); CATEGORICAL not
 *       blank; TEXT 1 to {@value #MAX_TEXT_LENGTH} characters;
 *   <li>{@code id}, {@code sessionId}, {@code datasetRunId}, {@code configId}: 1 to {@value #MAX_ID_LENGTH} characters, no carriage
 *       return;
 *   <li>{@code environment}: lowercase letters, digits, {@code -} and {@code _}, at most
 *       {@value #MAX_ENVIRONMENT_LENGTH} characters, not starting with {@code langfuse}. Unset, the tracer's
 *       environment applies.
 * </ul>
 *
 * <p>Every score has an id, a random UUID unless {@link Builder#id} sets one. Langfuse upserts scores by id, so
 * recording the same {@code Score} twice (or the same explicit id) updates one score instead of adding another.
 */
public final class Score {

  /** The longest TEXT value Langfuse accepts, in characters. */
  public static final int MAX_TEXT_LENGTH = 500;
  /** The longest id (score, session, config) Langfuse accepts, in characters. */
  public static final int MAX_ID_LENGTH = 800;
  /** The longest environment name Langfuse keeps, in characters. */
  public static final int MAX_ENVIRONMENT_LENGTH = 40;

  private static final Pattern ENVIRONMENT = Pattern.compile("[a-z0-9_-]+");

  private final String id;
  private final String name;
  private final ScoreDataType dataType;
  private final @Nullable Double numericValue;
  private final @Nullable String stringValue;
  private final @Nullable String traceId;
  private final @Nullable String observationId;
  private final @Nullable String sessionId;
  private final @Nullable String datasetRunId;
  private final @Nullable String comment;
  private final Map<String, @Nullable Object> metadata;
  private final @Nullable String configId;
  private final @Nullable String environment;

  private Score(Builder b, String id, @Nullable Double numericValue, @Nullable String stringValue) {
    this.id = id;
    this.name = b.name;
    this.dataType = b.dataType;
    this.numericValue = numericValue;
    this.stringValue = stringValue;
    this.traceId = b.traceId;
    this.observationId = b.observationId;
    this.sessionId = b.sessionId;
    this.datasetRunId = b.datasetRunId;
    this.comment = b.comment;
    this.metadata = b.metadata.isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
    this.configId = b.configId;
    this.environment = b.environment;
  }

  /** A NUMERIC score; the value must be finite. */
  public static Builder numeric(String name, double value) {
    return new Builder(name, ScoreDataType.NUMERIC, value, null);
  }

  /** A BOOLEAN score: true is sent as 1, false as 0. */
  public static Builder bool(String name, boolean value) {
    return new Builder(name, ScoreDataType.BOOLEAN, value ? 1 : 0, null);
  }

  /** A BOOLEAN score given as a number, which must be 0 or 1. */
  public static Builder bool(String name, double value) {
    return new Builder(name, ScoreDataType.BOOLEAN, value, null);
  }

  /** A CATEGORICAL score: one label, not blank. */
  public static Builder categorical(String name, String value) {
    return new Builder(name, ScoreDataType.CATEGORICAL, 0, value);
  }

  /** A TEXT score: 1 to {@value #MAX_TEXT_LENGTH} characters. */
  public static Builder text(String name, String value) {
    return new Builder(name, ScoreDataType.TEXT, 0, value);
  }

  /** The score id: a random UUID unless set explicitly. */
  public String id() {
    return id;
  }

  /** The score name, such as {@code relevance}. */
  public String name() {
    return name;
  }

  /** The kind of value. */
  public ScoreDataType dataType() {
    return dataType;
  }

  /** The value of a NUMERIC or BOOLEAN score (0 or 1), or null for CATEGORICAL and TEXT. */
  public @Nullable Double numericValue() {
    return numericValue;
  }

  /** The value of a CATEGORICAL or TEXT score, or null for NUMERIC and BOOLEAN. */
  public @Nullable String stringValue() {
    return stringValue;
  }

  /** The scored trace, or null for a session score. */
  public @Nullable String traceId() {
    return traceId;
  }

  /** The scored observation (span) of {@link #traceId()}, or null when the whole trace is scored. */
  public @Nullable String observationId() {
    return observationId;
  }

  /** The scored session, or null for a trace or observation score. */
  public @Nullable String sessionId() {
    return sessionId;
  }

  /** The scored dataset run (experiment), or null. */
  public @Nullable String datasetRunId() {
    return datasetRunId;
  }

  /** The comment as given (masked only when the score is recorded), or null. */
  public @Nullable String comment() {
    return comment;
  }

  /** The metadata as given (masked only when the score is recorded); empty when there is none. */
  public Map<String, @Nullable Object> metadata() {
    return metadata;
  }

  /** The Langfuse score config the score must comply with, or null. */
  public @Nullable String configId() {
    return configId;
  }

  /** The environment, or null for the tracer's. */
  public @Nullable String environment() {
    return environment;
  }

  /** Names the score and its target, never its comment or metadata (they may hold personal data). */
  @Override
  public String toString() {
    return "Score{id=" + id + ", name=" + name + ", dataType=" + dataType
        + (traceId != null ? ", traceId=" + traceId : "")
        + (observationId != null ? ", observationId=" + observationId : "")
        + (sessionId != null ? ", sessionId=" + sessionId : "")
        + (datasetRunId != null ? ", datasetRunId=" + datasetRunId : "")
        + '}';
  }

  /**
   * Collects a score's target and optional fields; {@link #build()} validates. Not thread-safe. Obtain one from
   * {@link Score#numeric}, {@link Score#bool}, {@link Score#categorical} or {@link Score#text}.
   */
  public static final class Builder {

    private final String name;
    private final ScoreDataType dataType;
    private final double number;
    private final @Nullable String string;
    private @Nullable String id;
    private @Nullable String traceId;
    private @Nullable String observationId;
    private @Nullable String sessionId;
    private @Nullable String datasetRunId;
    private @Nullable String comment;
    private final Map<String, @Nullable Object> metadata = new LinkedHashMap<>();
    private @Nullable String configId;
    private @Nullable String environment;

    private Builder(String name, ScoreDataType dataType, double number, @Nullable String string) {
      this.name = name;
      this.dataType = dataType;
      this.number = number;
      this.string = string;
    }

    /** Scores the trace with this W3C trace id (32 lowercase hex characters). */
    public Builder traceId(@Nullable String traceId) {
      this.traceId = traceId;
      return this;
    }

    /** Scores the observation with this W3C span id (16 lowercase hex characters); needs {@link #traceId}. */
    public Builder observationId(@Nullable String observationId) {
      this.observationId = observationId;
      return this;
    }

    /** Scores this span: its trace id and its span id as the observation. */
    public Builder observation(SpanContext span) {
      this.traceId = span.traceId();
      this.observationId = span.spanId();
      return this;
    }

    /** Scores the session with this id instead of a trace. */
    public Builder sessionId(@Nullable String sessionId) {
      this.sessionId = sessionId;
      return this;
    }

    /**
     * Scores the dataset run (in Langfuse v4, the experiment) with this id instead of a trace: a run-level
     * evaluation, such as an average over every item.
     */
    public Builder datasetRunId(@Nullable String datasetRunId) {
      this.datasetRunId = datasetRunId;
      return this;
    }

    /** A comment, such as a judge's reasoning. Masked as {@link ContentKind#SCORE_COMMENT} when recorded. */
    public Builder comment(@Nullable String comment) {
      this.comment = comment;
      return this;
    }

    /**
     * Sets one metadata entry, serialized with the tracer's {@code ObjectMapper} and masked as
     * {@link ContentKind#SCORE_METADATA} when recorded; a null value removes it.
     */
    public Builder metadata(String key, @Nullable Object value) {
      if (key == null) {
        throw invalid("metadata key", "not null", "null");
      }
      if (value == null) {
        metadata.remove(key);
      } else {
        metadata.put(key, value);
      }
      return this;
    }

    /** Sets several metadata entries. */
    public Builder metadata(Map<String, ? extends @Nullable Object> entries) {
      entries.forEach(this::metadata);
      return this;
    }

    /** The Langfuse score config the score must comply with (its name must equal the config's). */
    public Builder configId(@Nullable String configId) {
      this.configId = configId;
      return this;
    }

    /** The environment of this score. Default: the tracer's environment. */
    public Builder environment(@Nullable String environment) {
      this.environment = environment;
      return this;
    }

    /** An explicit score id, to update a score recorded before. Default: a random UUID. */
    public Builder id(@Nullable String id) {
      this.id = id;
      return this;
    }

    /**
     * Validates by Langfuse's rules and builds the score.
     *
     * @throws IllegalArgumentException naming the first field that breaks a rule
     */
    public Score build() {
      if (name == null || name.isBlank()) {
        throw invalid("name", "not blank", name);
      }
      Double numericValue = null;
      String stringValue = null;
      switch (dataType) {
        case NUMERIC:
          if (!Double.isFinite(number)) {
            throw invalid("value", "a finite number for a NUMERIC score", String.valueOf(number));
          }
          numericValue = number;
          break;
        case BOOLEAN:
          if (number != 0 && number != 1) {
            throw invalid("value", "0 or 1 (false or true) for a BOOLEAN score", String.valueOf(number));
          }
          numericValue = number == 1 ? 1.0 : 0.0;
          break;
        case CATEGORICAL:
          if (string == null || string.isBlank()) {
            throw invalid("value", "a category that is not blank for a CATEGORICAL score", string);
          }
          stringValue = string;
          break;
        case TEXT:
          if (string == null || string.isEmpty() || string.length() > MAX_TEXT_LENGTH) {
            throw invalid("value", "1 to " + MAX_TEXT_LENGTH + " characters for a TEXT score",
                string == null ? null : string.length() + " characters");
          }
          stringValue = string;
          break;
        default:
          throw new AssertionError(dataType);
      }
      int targets = (traceId != null ? 1 : 0) + (sessionId != null ? 1 : 0) + (datasetRunId != null ? 1 : 0);
      if (targets != 1) {
        throw new IllegalArgumentException("fluxtrace: score target must be exactly one of traceId (with an optional"
            + " observationId), sessionId and datasetRunId, got "
            + (targets == 0 ? "none" + (observationId != null
                ? " (observationId '" + observationId + "' needs its traceId)" : "")
                : (targets == 2 ? "both " : "all three: ") + (traceId != null ? "traceId '" + traceId + "' " : "")
                    + (sessionId != null ? "sessionId '" + sessionId + "' " : "")
                    + (datasetRunId != null ? "datasetRunId '" + datasetRunId + "'" : "")).trim());
      }
      if (traceId != null && !TraceIds.isValidTraceId(traceId)) {
        throw invalid("traceId", "a W3C trace id (32 lowercase hex characters, not all zeros)", traceId);
      }
      if (observationId != null) {
        if (traceId == null) {
          throw invalid("observationId", "accompanied by the traceId of its trace", observationId);
        }
        if (!TraceIds.isValidSpanId(observationId)) {
          throw invalid("observationId", "a W3C span id (16 lowercase hex characters, not all zeros)",
              observationId);
        }
      }
      checkId("sessionId", sessionId);
      checkId("datasetRunId", datasetRunId);
      checkId("configId", configId);
      checkId("id", id);
      if (environment != null) {
        if (environment.length() > MAX_ENVIRONMENT_LENGTH || !ENVIRONMENT.matcher(environment).matches()
            || environment.startsWith("langfuse")) {
          throw invalid("environment", "lowercase letters, digits, '-' and '_', at most "
              + MAX_ENVIRONMENT_LENGTH + " characters, not starting with 'langfuse'", environment);
        }
      }
      String scoreId = id != null ? id : Uuids.random();
      return new Score(this, scoreId, numericValue, stringValue);
    }

    private static void checkId(String field, @Nullable String value) {
      if (value == null) {
        return;
      }
      if (value.isEmpty() || value.length() > MAX_ID_LENGTH || value.indexOf('\r') >= 0) {
        throw invalid(field, "1 to " + MAX_ID_LENGTH + " characters without a carriage return",
            value.length() > 100 ? value.length() + " characters" : value);
      }
    }

    private static IllegalArgumentException invalid(String field, String expected, @Nullable String got) {
      return new IllegalArgumentException(
          "fluxtrace: score " + field + " must be " + expected + ", got " + (got == null ? "null" : "'" + got + "'"));
    }
  }
}
