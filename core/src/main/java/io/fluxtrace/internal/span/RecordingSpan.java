package io.fluxtrace.internal.span;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import io.fluxtrace.ToolCall;
import io.fluxtrace.ToolDefinition;
import io.fluxtrace.internal.util.HexIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A span that records. Every mutable field is guarded by {@link #lock}; the lock is never held while calling
 * out (serialization and export happen after the span has ended, outside it). Once {@link #ended} is set under
 * the lock no field changes again, so the end listener reads them without locking.
 *
 * <p>Longer than 600 lines because it implements the whole {@link Span} interface (some sixty methods: every
 * setter and its read accessor), each a few lines under the same lock-and-ended discipline; splitting the fields
 * over several objects would spread that discipline instead of keeping it checkable in one place.
 */
public final class RecordingSpan implements Span {

  /** The status message of a span that was still open when the tracer's shutdown reached its deadline. */
  public static final String ENDED_BY_SHUTDOWN =
      "ended by shutdown: the tracer shut down before this span ended (its work may have gone on)";

  private final SpanEndListener listener;
  private final TraceClock clock;
  private final Object lock = new Object();

  /**
   * The ids as numbers, written as text only when asked for (a child's context, export): a span whose ids nobody
   * reads on the caller's thread formats none there. The text fields cache it; a String is immutable, so a racy
   * first use at most writes two equal ones. A child keeps its parent's trace id text as it was given.
   */
  private @Nullable String traceId;
  private final long traceIdHigh;
  private final long traceIdLow;
  private @Nullable String spanId;
  private final long spanIdBits;
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
  /** The rarely set Langfuse fields, allocated by the first of their setters so that most spans stay small. */
  private @Nullable Extra extra;
  /** Its place among the open spans while it is open; set once, before the span is handed out. */
  private OpenSpans.@Nullable Node openNode;
  /**
   * The held trace this span belongs to when tail sampling holds its trace, else null; set once, before the span is
   * handed out. Typed Object so that the span runtime does not depend on the sampling package, which depends on it.
   */
  private @Nullable Object heldTrace;

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
    this(listener, clock, traceId, 0, 0, HexIds.parseSpanId(spanId), parentSpanId, parentRemote, name, type,
        startEpochNanos, traceAttributes);
    this.spanId = spanId;
  }

  /**
   * A started span whose ids are numbers, as the tracer starts them.
   *
   * @param traceId the trace id's text when the span has it already (the parent's), else null: it is then the
   *     nonzero 128 bits {@code traceIdHigh} and {@code traceIdLow}
   * @param spanIdBits a nonzero, newly generated span id
   */
  public RecordingSpan(
      SpanEndListener listener,
      TraceClock clock,
      @Nullable String traceId,
      long traceIdHigh,
      long traceIdLow,
      long spanIdBits,
      @Nullable String parentSpanId,
      boolean parentRemote,
      String name,
      ObservationType type,
      long startEpochNanos,
      TraceAttributes traceAttributes) {
    this.listener = listener;
    this.clock = clock;
    this.traceId = traceId;
    this.traceIdHigh = traceIdHigh;
    this.traceIdLow = traceIdLow;
    this.spanIdBits = spanIdBits;
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
      c = new SpanContext(traceId(), spanId(), false, true);
      context = c;
    }
    return c;
  }

  public String traceId() {
    String id = traceId;
    if (id == null) {
      id = HexIds.traceId(traceIdHigh, traceIdLow);
      traceId = id;
    }
    return id;
  }

  public String spanId() {
    String id = spanId;
    if (id == null) {
      id = HexIds.spanId(spanIdBits);
      spanId = id;
    }
    return id;
  }

  /** The trace id's text if it was given or already written, else null: then {@link #traceIdHigh()} and low. */
  public @Nullable String traceIdIfWritten() {
    return traceId;
  }

  public long traceIdHigh() {
    return traceIdHigh;
  }

  public long traceIdLow() {
    return traceIdLow;
  }

  /** The span id's text if it was already written, else null: then {@link #spanIdBits()}. */
  public @Nullable String spanIdIfWritten() {
    return spanId;
  }

  public long spanIdBits() {
    return spanIdBits;
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

  // Langfuse parity (issue 17).

  /** The rarely set fields; guarded by the span's lock like the others. */
  private static final class Extra {
    @Nullable String version;
    @Nullable Object traceInput;
    @Nullable Object traceOutput;
    @Nullable String provider;
    @Nullable List<ToolDefinition> toolDefinitions;
    @Nullable List<ToolCall> toolCalls;
  }

  private Extra extra() {
    Extra e = extra;
    if (e == null) {
      e = extra = new Extra();
    }
    return e;
  }

  @Override
  public Span version(@Nullable String version) {
    synchronized (lock) {
      if (!ended) {
        extra().version = version;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span traceInput(@Nullable Object input) {
    synchronized (lock) {
      if (!ended) {
        extra().traceInput = input;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span traceOutput(@Nullable Object output) {
    synchronized (lock) {
      if (!ended) {
        extra().traceOutput = output;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span provider(@Nullable String provider) {
    synchronized (lock) {
      if (!ended) {
        extra().provider = provider;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span toolDefinitions(List<ToolDefinition> tools) {
    List<ToolDefinition> copy = copyWithoutNulls(tools);
    synchronized (lock) {
      if (!ended) {
        extra().toolDefinitions = copy;
        return this;
      }
    }
    return ignored();
  }

  @Override
  public Span toolCalls(List<ToolCall> calls) {
    List<ToolCall> copy = copyWithoutNulls(calls);
    synchronized (lock) {
      if (!ended) {
        extra().toolCalls = copy;
        return this;
      }
    }
    return ignored();
  }

  /** A copy outside the lock; a null list or element is dropped and counted, never thrown. */
  private <T> @Nullable List<T> copyWithoutNulls(@Nullable List<? extends @Nullable T> values) {
    if (values == null) {
      synchronized (lock) {
        invalidValues++;
      }
      return null;
    }
    List<T> copy = new ArrayList<>(values.size());
    int nulls = 0;
    for (T value : values) {
      if (value == null) {
        nulls++;
      } else {
        copy.add(value);
      }
    }
    if (nulls > 0) {
      synchronized (lock) {
        invalidValues += nulls;
      }
    }
    return copy.isEmpty() ? null : List.copyOf(copy);
  }

  public @Nullable String versionValue() {
    Extra e = extra;
    return e == null ? null : e.version;
  }

  public @Nullable Object traceInputValue() {
    Extra e = extra;
    return e == null ? null : e.traceInput;
  }

  public @Nullable Object traceOutputValue() {
    Extra e = extra;
    return e == null ? null : e.traceOutput;
  }

  public @Nullable String providerValue() {
    Extra e = extra;
    return e == null ? null : e.provider;
  }

  public @Nullable List<ToolDefinition> toolDefinitionValues() {
    Extra e = extra;
    return e == null ? null : e.toolDefinitions;
  }

  public @Nullable List<ToolCall> toolCallValues() {
    Extra e = extra;
    return e == null ? null : e.toolCalls;
  }

  /** Registers the span among the open ones; called once, before the span is handed out. */
  public void register(OpenSpans openSpans) {
    openNode = openSpans.add(this);
  }

  /**
   * Records the input the span starts with; called before the span is handed out or registered, so no other thread
   * can see the span yet and no lock is needed (publication through the registry or the caller orders it).
   */
  void initialInput(Object value) {
    this.input = value;
  }

  /** Attaches the span to the trace tail sampling holds; called once, before the span is handed out. */
  public void heldTrace(Object trace) {
    heldTrace = trace;
  }

  /** The trace tail sampling holds this span in, or null. */
  public @Nullable Object heldTrace() {
    return heldTrace;
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

  /**
   * Records {@code output} (unless null) and ends the span, in one critical section instead of two: for traced
   * operators, which end a Mono's span on its value. Otherwise as {@link #output} followed by {@link #end()}.
   */
  public void endWithOutput(@Nullable Object output) {
    long now = type == ObservationType.EVENT ? startEpochNanos : clock.nowEpochNanos();
    synchronized (lock) {
      if (ended) {
        if (output != null) {
          listener.onMutationAfterEnd(); // the output, ignored
        }
        listener.onMutationAfterEnd(); // the second end
        return;
      }
      if (output != null) {
        this.output = output;
      }
      ended = true;
      endEpochNanos = Math.max(now, startEpochNanos);
    }
    listener.onEnd(this);
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
    return "RecordingSpan{" + type.wireName() + " '" + name + "' trace=" + traceId() + " span=" + spanId() + '}';
  }
}
