package io.fluxtrace;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Trace-wide attributes of one request: who, which session, what the trace is called, and how it is labelled.
 * Langfuse v4 reads them from every span, so fluxtrace stamps them on every span of the request. In Reactor
 * applications they are set once per request with {@code contextWrite} (see {@code io.fluxtrace.reactor}).
 *
 * <p>Metadata values are strings or structured values (maps, lists, numbers, any value the tracer's
 * {@code ObjectMapper} serializes); a structured value is masked ({@link ContentKind#TRACE_METADATA}), serialized
 * and truncated like span content when each span ends, and Langfuse shows it nested. Nulls mean "not set" and never
 * override a value set further out.
 *
 * @param userId the end user, {@code langfuse.user.id}
 * @param sessionId the conversation or session, {@code langfuse.session.id}
 * @param traceName the name of the trace, {@code langfuse.trace.name}
 * @param tags labels to filter by, {@code langfuse.trace.tags}; never null, without duplicates
 * @param metadata trace metadata, {@code langfuse.trace.metadata}; never null
 * @param release the application release, {@code langfuse.release}
 * @param version the version of the traced logic, {@code langfuse.version}
 * @param environment the environment, {@code langfuse.environment}, normalized as Langfuse does on export
 * @param isPublic whether the trace may be shared by link, {@code langfuse.trace.public}
 * @param experiment the experiment the trace is an item of ({@code langfuse.experiment.*}), or null
 * @param promptName the Langfuse prompt linked to every generation of the trace that links none itself, set
 *     together with {@code promptVersion}
 * @param promptVersion the version of {@code promptName}
 */
public record TraceAttributes(
    @Nullable String userId,
    @Nullable String sessionId,
    @Nullable String traceName,
    List<String> tags,
    Map<String, Object> metadata,
    @Nullable String release,
    @Nullable String version,
    @Nullable String environment,
    @Nullable Boolean isPublic,
    @Nullable ExperimentAttributes experiment,
    @Nullable String promptName,
    @Nullable Integer promptVersion) {

  /** No attributes at all. */
  public static final TraceAttributes EMPTY =
      new TraceAttributes(null, null, null, List.of(), Map.of(), null, null, null, null, null, null, null);

  /**
   * Copies the collections, so the record stays immutable whatever the caller does afterwards; a prompt name
   * without a version (or the reverse) is dropped, since Langfuse links a prompt only by both.
   */
  public TraceAttributes {
    // Most writes set one value, so the empty collections skip the copies.
    tags = Objects.requireNonNull(tags, "tags").isEmpty() ? List.of() : List.copyOf(new LinkedHashSet<>(tags));
    metadata = Objects.requireNonNull(metadata, "metadata").isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    if (promptName == null || promptName.isBlank() || promptVersion == null) {
      promptName = null;
      promptVersion = null;
    }
  }

  /** Attributes of a trace that is no experiment item. */
  public TraceAttributes(@Nullable String userId, @Nullable String sessionId, @Nullable String traceName,
      List<String> tags, Map<String, ?> metadata, @Nullable String release, @Nullable String version,
      @Nullable String environment, @Nullable Boolean isPublic) {
    this(userId, sessionId, traceName, tags, metadata, release, version, environment, isPublic, null);
  }

  /** Attributes without a trace-wide prompt. */
  public TraceAttributes(@Nullable String userId, @Nullable String sessionId, @Nullable String traceName,
      List<String> tags, Map<String, ?> metadata, @Nullable String release, @Nullable String version,
      @Nullable String environment, @Nullable Boolean isPublic, @Nullable ExperimentAttributes experiment) {
    this(userId, sessionId, traceName, tags, copyOf(metadata), release, version, environment, isPublic, experiment,
        null, null);
  }

  private static Map<String, Object> copyOf(Map<String, ?> metadata) {
    return Objects.requireNonNull(metadata, "metadata").isEmpty() ? Map.of() : new LinkedHashMap<>(metadata);
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these attributes. */
  public Builder toBuilder() {
    return new Builder().merge(this);
  }

  /** Whether nothing is set. */
  public boolean isEmpty() {
    return userId == null && sessionId == null && traceName == null && tags.isEmpty() && metadata.isEmpty()
        && release == null && version == null && environment == null && isPublic == null && experiment == null
        && promptName == null;
  }

  /**
   * These attributes overridden by {@code inner}: every value {@code inner} sets wins, tags are the union (outer
   * first) and metadata is merged key by key. This is how nested {@code contextWrite} calls combine.
   */
  public TraceAttributes mergedWith(TraceAttributes inner) {
    if (inner.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return inner;
    }
    return toBuilder().merge(inner).build();
  }

  /**
   * Builds {@link TraceAttributes}. Every setter accepts null to mean "not set". Nothing is validated here:
   * oversized or malformed values are truncated or replaced on export, never thrown, because tracing must not
   * break the request that carries them.
   */
  public static final class Builder {
    private @Nullable String userId;
    private @Nullable String sessionId;
    private @Nullable String traceName;
    private final List<String> tags = new ArrayList<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private @Nullable String release;
    private @Nullable String version;
    private @Nullable String environment;
    private @Nullable Boolean isPublic;
    private @Nullable ExperimentAttributes experiment;
    private @Nullable String promptName;
    private @Nullable Integer promptVersion;

    private Builder() {}

    /** The end user ({@code langfuse.user.id}). */
    public Builder userId(@Nullable String userId) {
      this.userId = userId;
      return this;
    }

    /** The session ({@code langfuse.session.id}). */
    public Builder sessionId(@Nullable String sessionId) {
      this.sessionId = sessionId;
      return this;
    }

    /** The trace name ({@code langfuse.trace.name}); the root span's name is used when unset. */
    public Builder traceName(@Nullable String traceName) {
      this.traceName = traceName;
      return this;
    }

    /** Adds tags; nulls are skipped. */
    public Builder tags(@Nullable String... tags) {
      if (tags != null) {
        for (String tag : tags) {
          if (tag != null) {
            this.tags.add(tag);
          }
        }
      }
      return this;
    }

    /** Adds tags; nulls are skipped. */
    public Builder tags(@Nullable Collection<? extends @Nullable String> tags) {
      if (tags != null) {
        for (String tag : tags) {
          if (tag != null) {
            this.tags.add(tag);
          }
        }
      }
      return this;
    }

    /**
     * Sets one metadata entry, a string or a structured value; a null key is ignored and a null value removes the
     * key.
     */
    public Builder metadata(@Nullable String key, @Nullable Object value) {
      if (key != null) {
        if (value == null) {
          metadata.remove(key);
        } else {
          metadata.put(key, value);
        }
      }
      return this;
    }

    /** Sets metadata entries; null keys are ignored and null values remove the key. */
    public Builder metadata(@Nullable Map<? extends @Nullable String, ? extends @Nullable Object> entries) {
      if (entries != null) {
        entries.forEach(this::metadata);
      }
      return this;
    }

    /** The release ({@code langfuse.release}); defaults to the tracer's {@code LANGFUSE_RELEASE}. */
    public Builder release(@Nullable String release) {
      this.release = release;
      return this;
    }

    /** The version of the traced logic ({@code langfuse.version}). */
    public Builder version(@Nullable String version) {
      this.version = version;
      return this;
    }

    /** The environment; defaults to the tracer's {@code LANGFUSE_TRACING_ENVIRONMENT}. */
    public Builder environment(@Nullable String environment) {
      this.environment = environment;
      return this;
    }

    /** Whether the trace may be shared publicly by link. */
    public Builder isPublic(@Nullable Boolean isPublic) {
      this.isPublic = isPublic;
      return this;
    }

    /** The experiment the trace is an item of; set by experiment runners. */
    public Builder experiment(@Nullable ExperimentAttributes experiment) {
      this.experiment = experiment;
      return this;
    }

    /**
     * Links the Langfuse prompt {@code name} at {@code version} to every generation of the trace that does not
     * link its own ({@code langfuse.observation.prompt.*}); a null or blank name links none.
     */
    public Builder prompt(@Nullable String name, int version) {
      this.promptName = name == null || name.isBlank() ? null : name;
      this.promptVersion = promptName == null ? null : version;
      return this;
    }

    /** Overrides what is set here with what {@code other} sets (see {@link TraceAttributes#mergedWith}). */
    public Builder merge(TraceAttributes other) {
      if (other.userId() != null) {
        userId = other.userId();
      }
      if (other.sessionId() != null) {
        sessionId = other.sessionId();
      }
      if (other.traceName() != null) {
        traceName = other.traceName();
      }
      tags.addAll(other.tags());
      metadata.putAll(other.metadata());
      if (other.release() != null) {
        release = other.release();
      }
      if (other.version() != null) {
        version = other.version();
      }
      if (other.environment() != null) {
        environment = other.environment();
      }
      if (other.isPublic() != null) {
        isPublic = other.isPublic();
      }
      if (other.experiment() != null) {
        experiment = other.experiment();
      }
      if (other.promptName() != null) {
        promptName = other.promptName();
        promptVersion = other.promptVersion();
      }
      return this;
    }

    /** The attributes. */
    public TraceAttributes build() {
      return new TraceAttributes(
          userId, sessionId, traceName, tags, metadata, release, version, environment, isPublic, experiment,
          promptName, promptVersion);
    }
  }
}
