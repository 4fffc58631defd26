package io.fluxtrace;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Tail sampling: keeps every trace that failed or was slow whatever the {@link FluxTracerBuilder#sampleRate sample
 * rate}, and the others at that rate, deterministically per trace id as without it. Set it with
 * {@link FluxTracerBuilder#tailSampling(TailSampling)}.
 *
 * <p>A trace that the rate alone would keep is exported as its spans end, as without tail sampling. The spans of
 * any other trace are held (bounded) until its local root ends; the trace is then kept whole when one of its spans
 * ended with level ERROR ({@link Builder#keepErrors}), or WARNING, such as a cancellation
 * ({@link Builder#keepWarnings}), when its root lasted longer than {@link Builder#keepSlowerThan}, or when
 * {@link Builder#keepWhen} says so for the ended root; otherwise it is sampled out whole and counted
 * ({@link SamplingStats}). Immutable.
 */
public final class TailSampling {

  /** Spans held per trace at most. */
  public static final int DEFAULT_MAX_HELD_SPANS_PER_TRACE = 1_000;
  /** How long a trace whose root has not ended is held at most. */
  public static final Duration DEFAULT_DECISION_TIMEOUT = Duration.ofSeconds(60);

  private final boolean keepErrors;
  private final boolean keepWarnings;
  private final @Nullable Duration slowerThan;
  private final @Nullable Predicate<SpanData> keepWhen;
  private final int maxHeldSpansPerTrace;
  private final int maxHeldSpans;
  private final long maxHeldBytes;
  private final Duration decisionTimeout;
  private final boolean decideJoinedTraces;
  private final boolean keepScoresOfSampledOutTraces;

  private TailSampling(Builder b) {
    this.keepErrors = b.keepErrors;
    this.keepWarnings = b.keepWarnings;
    this.slowerThan = b.slowerThan;
    this.keepWhen = b.keepWhen;
    this.maxHeldSpansPerTrace = b.maxHeldSpansPerTrace;
    this.maxHeldSpans = b.maxHeldSpans;
    this.maxHeldBytes = b.maxHeldBytes;
    this.decisionTimeout = b.decisionTimeout;
    this.decideJoinedTraces = b.decideJoinedTraces;
    this.keepScoresOfSampledOutTraces = b.keepScoresOfSampledOutTraces;
  }

  /** A builder with the defaults: keep errors, nothing else beyond the rate. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether a trace with a span of level ERROR is kept. */
  public boolean keepErrors() {
    return keepErrors;
  }

  /** Whether a trace with a span of level WARNING (a cancellation, among others) is kept. */
  public boolean keepWarnings() {
    return keepWarnings;
  }

  /** The duration of the local root past which a trace is kept, or null for none. */
  public @Nullable Duration slowerThan() {
    return slowerThan;
  }

  /** The user's rule over the ended local root, or null for none. */
  public @Nullable Predicate<SpanData> keepWhen() {
    return keepWhen;
  }

  /** Spans held per trace at most. */
  public int maxHeldSpansPerTrace() {
    return maxHeldSpansPerTrace;
  }

  /** Spans held in total at most; 0: a quarter of {@link FluxTracerBuilder#maxQueuedSpans}. */
  public int maxHeldSpans() {
    return maxHeldSpans;
  }

  /** Estimated bytes held in total at most; 0: a quarter of {@link FluxTracerBuilder#maxQueuedBytes}. */
  public long maxHeldBytes() {
    return maxHeldBytes;
  }

  /** How long a trace is held at most before it is decided with what is known. */
  public Duration decisionTimeout() {
    return decisionTimeout;
  }

  /** Whether a trace joined from a {@code traceparent} is decided here instead of following the caller's flag. */
  public boolean decideJoinedTraces() {
    return decideJoinedTraces;
  }

  /** Whether scores of sampled-out traces are still delivered. */
  public boolean keepScoresOfSampledOutTraces() {
    return keepScoresOfSampledOutTraces;
  }

  @Override
  public String toString() {
    return "TailSampling{keepErrors=" + keepErrors + ", keepWarnings=" + keepWarnings
        + ", slowerThan=" + slowerThan + ", keepWhen=" + (keepWhen == null ? "none" : "set")
        + ", maxHeldSpansPerTrace=" + maxHeldSpansPerTrace
        + ", maxHeldSpans=" + (maxHeldSpans == 0 ? "default" : String.valueOf(maxHeldSpans))
        + ", maxHeldBytes=" + (maxHeldBytes == 0 ? "default" : String.valueOf(maxHeldBytes))
        + ", decisionTimeout=" + decisionTimeout + ", decideJoinedTraces=" + decideJoinedTraces
        + ", keepScoresOfSampledOutTraces=" + keepScoresOfSampledOutTraces + '}';
  }

  /** Builds a {@link TailSampling}; validated in {@link #build()}. Not thread-safe. */
  public static final class Builder {
    private boolean keepErrors = true;
    private boolean keepWarnings;
    private @Nullable Duration slowerThan;
    private @Nullable Predicate<SpanData> keepWhen;
    private int maxHeldSpansPerTrace = DEFAULT_MAX_HELD_SPANS_PER_TRACE;
    private int maxHeldSpans;
    private long maxHeldBytes;
    private Duration decisionTimeout = DEFAULT_DECISION_TIMEOUT;
    private boolean decideJoinedTraces;
    private boolean keepScoresOfSampledOutTraces;

    private Builder() {}

    /** Keeps every trace with a span of level ERROR (an error signal, or a level set by hand). Default true. */
    public Builder keepErrors(boolean keep) {
      this.keepErrors = keep;
      return this;
    }

    /** Keeps every trace with a span of level WARNING, which includes cancellations. Default false. */
    public Builder keepWarnings(boolean keep) {
      this.keepWarnings = keep;
      return this;
    }

    /**
     * Keeps every trace whose local root lasted longer than {@code duration} (by the tracer's clock). A root still
     * open when the trace is decided early (timeout, flush, hold full) counts as slow once it has been open that
     * long. Default: none.
     */
    public Builder keepSlowerThan(Duration duration) {
      this.slowerThan = Objects.requireNonNull(duration, "keepSlowerThan");
      return this;
    }

    /**
     * Keeps every trace whose ended local root satisfies {@code predicate} (a user, a route, a price...). Runs on
     * the thread that ends the root; an exception counts as false. Not consulted when a trace is decided before its
     * root ended. Default: none.
     */
    public Builder keepWhen(Predicate<SpanData> predicate) {
      this.keepWhen = Objects.requireNonNull(predicate, "keepWhen");
      return this;
    }

    /**
     * Spans held per trace at most; a trace that reaches it is decided then with what is known (an error so far,
     * the time its root has been open), and its later spans follow that decision. Default
     * {@value #DEFAULT_MAX_HELD_SPANS_PER_TRACE}.
     */
    public Builder maxHeldSpansPerTrace(int spans) {
      this.maxHeldSpansPerTrace = spans;
      return this;
    }

    /**
     * Spans held in total at most, taken out of {@link FluxTracerBuilder#maxQueuedSpans} so that held and queued
     * spans together stay within it. When the hold is full, new traces get the rate's decision at once. Default: a
     * quarter of {@code maxQueuedSpans}.
     */
    public Builder maxHeldSpans(int spans) {
      this.maxHeldSpans = spans;
      return this;
    }

    /**
     * Estimated bytes held in total at most, taken out of {@link FluxTracerBuilder#maxQueuedBytes} like
     * {@link #maxHeldSpans}. Default: a quarter of {@code maxQueuedBytes}.
     */
    public Builder maxHeldBytes(long bytes) {
      this.maxHeldBytes = bytes;
      return this;
    }

    /**
     * How long a trace is held at most: past it, a trace whose root has not ended is decided with what is known,
     * and its later spans follow that decision. Default 60 s.
     */
    public Builder decisionTimeout(Duration timeout) {
      this.decisionTimeout = Objects.requireNonNull(timeout, "decisionTimeout");
      return this;
    }

    /**
     * Whether a trace joined from an incoming {@code traceparent} is decided here. Default false: it follows the
     * caller's sampled flag, as without tail sampling (a caller's sampled=0 trace is not recorded here, even if it
     * fails here). True: it is held and decided like a trace of this process; a trace the caller sampled is kept,
     * and one it did not is kept only if it failed or was slow here (its caller's part is then missing).
     */
    public Builder decideJoinedTraces(boolean decide) {
      this.decideJoinedTraces = decide;
      return this;
    }

    /**
     * Whether scores of traces that were sampled out are still delivered. Default false: they are dropped and
     * counted ({@link ScoreStats#droppedSampledOut()}), since they would score a trace Langfuse does not have.
     */
    public Builder keepScoresOfSampledOutTraces(boolean keep) {
      this.keepScoresOfSampledOutTraces = keep;
      return this;
    }

    /** Validates and builds; an invalid setting throws {@link IllegalArgumentException} naming it. */
    public TailSampling build() {
      require(maxHeldSpansPerTrace >= 1, "maxHeldSpansPerTrace", "at least 1", maxHeldSpansPerTrace);
      require(maxHeldSpans >= 0, "maxHeldSpans", "at least 1 (or 0 for the default)", maxHeldSpans);
      require(maxHeldBytes == 0 || maxHeldBytes >= 1024, "maxHeldBytes", "at least 1024 (or 0 for the default)",
          maxHeldBytes);
      require(!decisionTimeout.isNegative() && !decisionTimeout.isZero(), "decisionTimeout", "positive",
          decisionTimeout);
      Duration slow = slowerThan;
      require(slow == null || !slow.isNegative(), "keepSlowerThan", "zero or positive", slow);
      return new TailSampling(this);
    }

    private static void require(boolean ok, String setting, String expected, @Nullable Object got) {
      if (!ok) {
        throw new IllegalArgumentException("fluxtrace: tailSampling " + setting + " must be " + expected + ", got '"
            + got + "'");
      }
    }
  }
}
