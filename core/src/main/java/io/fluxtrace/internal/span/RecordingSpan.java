package io.fluxtrace.internal.span;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A span that records. Every mutable field is guarded by {@link #lock}; the lock is never held while calling
 * out (serialization and export happen after the span has ended, outside it). Once {@link #ended} is set under
 * the lock no field changes again, so the end listener reads them without locking.
 */
public final class RecordingSpan implements Span {

  /** The status message of a span that was still open when the tracer's shutdown reached its deadline. */
  public static final String ENDED_BY_SHUTDOWN =
      "ended by shutdown: the tracer shut down before this span ended (its work may have gone on)";

  private final SpanEndListener listener;
  private final TraceClock clock;
  private final Object lock = new Object();

  private final String traceId;
  private final String spanId;
  /**
   * Built when first asked for, because building it validates both ids again and a span without children never
   * needs it. Immutable, so a racy first use at most builds two equal ones.
   */
  private @Nullable SpanContext context;
  private final @Nullable String parentSpanId;
  private final boolean parentRemote;
  private final String name;
  private final ObservationType type;
  private final long startEpochNanos;
  private final TraceAttributes traceAttributes;

  private boolean ended;
  private long endEpochNanos;
  private @Nullable ObservationLevel level;
  private @Nullable String statusMessage;
  private @Nullable Object input;
  private @Nullable Object output;
  private @Nullable Map<String, @Nullable Object> metadata;
  private @Nullable String model;
  private @Nullable Map<String, @Nullable Object> modelParameters;
  private @Nullable Map<String, Long> usage;
  private @Nullable Map<String, Double> cost;
  private long completionStartEpochNanos;
  private @Nullable String promptName;
  private @Nullable Integer promptVersion;
  private int invalidValues;
  /** Its place among the open spans while it is open; set once, before the span is handed out. */
  private OpenSpans.@Nullable Node openNode;

  /**
   * A started span.
   *
   * @param traceId a valid trace id: generated, or the parent's
   * @param spanId a valid, newly generated span id
   */
  public RecordingSpan(
      SpanEndListener listener,
      TraceClock clock,
      String traceId,
      String spanId,
      @Nullable String parentSpanId,
      boolean parentRemote,
      String name,
      ObservationType type,
      long startEpochNanos,
      TraceAttributes traceAttributes) {
    this.listener = listener;
    this.clock = clock;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.parentRemote = parentRemote;
    this.name = name;
    this.type = type;
    this.startEpochNanos = startEpochNanos;
    this.traceAttributes = traceAttributes;
  }

  @Override
  public SpanContext context() {
    SpanContext c = context;
    if (c == null) {
      c = new SpanContext(traceId, spanId, false, true);
      context = c;
    }
    return c;
  }

  public String traceId() {
    return traceId;
  }

  public String spanId() {
    return spanId;
  }

  @Override
  public boolean isRecording() {
    return true;
  }

  @Override
  public boolean isEnded() {
    synchronized (lock) {
      return ended;
    }
  }

  @Override
  public Span input(@Nullable Object input) {
    synchronized (lock) {
      if (!ended) {
        this.input = input;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span output(@Nullable Object output) {
    synchronized (lock) {
      if (!ended) {
        this.output = output;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span metadata(String key, @Nullable Object value) {
    synchronized (lock) {
      if (!ended) {
        if (key == null) {
          invalidValues++;
          return this;
        }
        Map<String, @Nullable Object> m = metadata;
        if (m == null) {
          m = metadata = new LinkedHashMap<>();
        }
        if (value == null) {
          m.remove(key);
        } else {
          m.put(key, value);
        }
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span level(ObservationLevel level) {
    synchronized (lock) {
      if (!ended) {
        if (level != null) {
          this.level = level;
        }
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span statusMessage(@Nullable String message) {
    synchronized (lock) {
      if (!ended) {
        this.statusMessage = message;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span model(@Nullable String model) {
    synchronized (lock) {
      if (!ended) {
        this.model = model;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span modelParameter(String name, @Nullable Object value) {
    synchronized (lock) {
      if (!ended) {
        putModelParameter(name, value);
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span modelParameters(Map<String, ?> parameters) {
    synchronized (lock) {
      if (!ended) {
        if (parameters != null) {
          parameters.forEach(this::putModelParameter);
        }
        return this;
      }
    }
    return ignored();
  }

  private void putModelParameter(@Nullable String name, @Nullable Object value) {
    if (name == null) {
      invalidValues++;
      return;
    }
    Map<String, @Nullable Object> m = modelParameters;
    if (m == null) {
      m = modelParameters = new LinkedHashMap<>();
    }
    if (value == null) {
      m.remove(name);
    } else {
      m.put(name, value);
    }
  }

  @Override
  public Span usage(String kind, long value) {
    synchronized (lock) {
      if (!ended) {
        putUsage(kind, value);
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span usageDetails(Map<String, ? extends @Nullable Number> usageDetails) {
    synchronized (lock) {
      if (!ended) {
        if (usageDetails != null) {
          usageDetails.forEach(this::putUsage);
        }
        return this;
      }
    }
    return ignored();
  }

  /** Langfuse keeps only non-negative integers and silently drops the rest, so we drop them visibly. */
  private void putUsage(@Nullable String kind, @Nullable Number value) {
    if (kind == null || value == null) {
      invalidValues++;
      return;
    }
    long asLong = value.longValue();
    boolean integral = value instanceof Long || value instanceof Integer || value instanceof Short
        || value instanceof Byte || (value.doubleValue() == asLong && !Double.isInfinite(value.doubleValue()));
    if (!integral || asLong < 0) {
      invalidValues++;
      return;
    }
    Map<String, Long> m = usage;
    if (m == null) {
      m = usage = new LinkedHashMap<>();
    }
    m.put(kind, asLong);
  }

  @Override
  public Span cost(String kind, double usd) {
    synchronized (lock) {
      if (!ended) {
        putCost(kind, usd);
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span costDetails(Map<String, ? extends @Nullable Number> costDetails) {
    synchronized (lock) {
      if (!ended) {
        if (costDetails != null) {
          costDetails.forEach(this::putCost);
        }
        return this;
      }
    }
    return ignored();
  }

  private void putCost(@Nullable String kind, @Nullable Number value) {
    if (kind == null || value == null) {
      invalidValues++;
      return;
    }
    double usd = value.doubleValue();
    if (!(usd >= 0) || Double.isInfinite(usd)) {
      invalidValues++;
      return;
    }
    Map<String, Double> m = cost;
    if (m == null) {
      m = cost = new LinkedHashMap<>();
    }
    m.put(kind, usd);
  }

  @Override
  public Span completionStart() {
    long now = clock.nowEpochNanos();
    synchronized (lock) {
      if (!ended) {
        if (completionStartEpochNanos == 0) {
          completionStartEpochNanos = now;
        }
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span completionStart(long epochNanos) {
    synchronized (lock) {
      if (!ended) {
        completionStartEpochNanos = epochNanos;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span prompt(String name, int version) {
    synchronized (lock) {
      if (!ended) {
        if (name == null || name.isBlank()) {
          invalidValues++;
        } else {
          promptName = name;
          promptVersion = version;
        }
        return this;
      }
    }
    return ignored();
  }

  /** Registers the span among the open ones; called once, before the span is handed out. */
  public void register(OpenSpans openSpans) {
    openNode = openSpans.add(this);
  }

  /** Its registration among the open spans, or null if it was not registered. */
  public OpenSpans.@Nullable Node openNode() {
    return openNode;
  }

  /**
   * Ends the span because the tracer is shutting down and its owner has not ended it: level WARNING (ERROR is
   * kept) and a status message that says so, ahead of any message already set. The span is then exported like
   * any other.
   *
   * @return false if the span had ended already
   */
  public boolean endByShutdown() {
    long now = type == ObservationType.EVENT ? startEpochNanos : clock.nowEpochNanos();
    synchronized (lock) {
      if (ended) {
        return false;
      }
      ended = true;
      endEpochNanos = Math.max(now, startEpochNanos);
      if (level != ObservationLevel.ERROR) {
        level = ObservationLevel.WARNING;
      }
      statusMessage = statusMessage == null ? ENDED_BY_SHUTDOWN : ENDED_BY_SHUTDOWN + "; " + statusMessage;
    }
    listener.onEnd(this);
    return true;
  }

  @Override
  public void end() {
    end(null, false);
  }

  @Override
  public void endWithError(Throwable error) {
    end(error, false);
  }

  @Override
  public void endCancelled() {
    end(null, true);
  }

  private void end(@Nullable Throwable error, boolean cancelled) {
    long now = type == ObservationType.EVENT ? startEpochNanos : clock.nowEpochNanos();
    synchronized (lock) {
      if (ended) {
        listener.onMutationAfterEnd();
        return;
      }
      ended = true;
      endEpochNanos = Math.max(now, startEpochNanos);
      if (error != null) {
        if (level == null) {
          level = ObservationLevel.ERROR;
        }
        if (statusMessage == null) {
          statusMessage = describe(error);
        }
      } else if (cancelled) {
        if (level == null) {
          level = ObservationLevel.WARNING;
        }
        if (statusMessage == null) {
          statusMessage = "cancelled";
        }
      }
    }
    listener.onEnd(this);
  }

  /** The exception's class and message; its stack trace never leaves the process. */
  static String describe(Throwable error) {
    String message;
    try {
      message = error.getMessage();
    } catch (Throwable t) {
      message = "<message unavailable: " + t.getClass().getName() + ">";
    }
    return message == null ? error.getClass().getName() : error.getClass().getName() + ": " + message;
  }

  private Span ignored() {
    listener.onMutationAfterEnd();
    return this;
  }

  // Read by the end listener after the span ended; no lock needed then (see class comment).

  public @Nullable String parentSpanId() {
    return parentSpanId;
  }

  public boolean parentRemote() {
    return parentRemote;
  }

  public String name() {
    return name;
  }

  public ObservationType type() {
    return type;
  }

  public long startEpochNanos() {
    return startEpochNanos;
  }

  public long endEpochNanos() {
    return endEpochNanos;
  }

  public TraceAttributes traceAttributes() {
    return traceAttributes;
  }

  public ObservationLevel level() {
    ObservationLevel l = level;
    return l == null ? ObservationLevel.DEFAULT : l;
  }

  public @Nullable String statusMessage() {
    return statusMessage;
  }

  public @Nullable Object inputValue() {
    return input;
  }

  public @Nullable Object outputValue() {
    return output;
  }

  public @Nullable Map<String, @Nullable Object> metadataValues() {
    return metadata;
  }

  public @Nullable String modelName() {
    return model;
  }

  public @Nullable Map<String, @Nullable Object> modelParameterValues() {
    return modelParameters;
  }

  public @Nullable Map<String, Long> usageValues() {
    return usage;
  }

  public @Nullable Map<String, Double> costValues() {
    return cost;
  }

  public long completionStartEpochNanos() {
    return completionStartEpochNanos;
  }

  public @Nullable String promptName() {
    return promptName;
  }

  public @Nullable Integer promptVersion() {
    return promptVersion;
  }

  public int invalidValues() {
    return invalidValues;
  }

  @Override
  public String toString() {
    return "RecordingSpan{" + type.wireName() + " '" + name + "' trace=" + traceId + " span=" + spanId + '}';
  }
}
