package io.fluxtrace.internal.span;

import io.fluxtrace.FailureReason;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanContext;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.pipeline.BatchingPipeline;
import io.fluxtrace.internal.pipeline.CapturedSpan;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.util.SafeLogger;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.util.Logger;

/**
 * The tracer's span side, beside {@code internal.score.ScoreRecorder}: starts recording spans, keeps the open
 * ones for shutdown, and on end captures each ({@link CapturedSpan}, encoded into {@link SpanData} on the export side)
 * and hands it to the span pipeline. Thread-safe;
 * starting and ending never block and never throw.
 */
public final class SpanRecorder {

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = SafeLogger.of(SpanRecorder.class);

  private final BatchingPipeline<CapturedSpan> pipeline;
  private final SpanDataFactory factory;
  private final TracerMetrics metrics;
  private final TraceClock clock;
  private final Runnable droppedAfterClose;
  private final Predicate<RecordingSpan> heldOnEnd;
  private final Consumer<CapturedSpan> refused;
  private final SpanEndListener endListener;
  /** The recording spans started and not yet ended, which shutdown waits for (see {@link OpenSpans}). */
  private final OpenSpans openSpans = new OpenSpans();
  /** Set when shutdown stops accepting: spans started from then on are not registered as open. */
  private volatile boolean closing;

  /**
   * @param clock the clock of span timestamps, already guarded against a throwing user clock
   * @param droppedAfterClose called after a span ended after close was counted as dropped
   * @param heldOnEnd takes an ended span instead of the pipeline, answering true, when tail sampling holds its trace
   * @param refused told of a span the pipeline refused (counted there), for what it holds outside the pipeline
   */
  public SpanRecorder(BatchingPipeline<CapturedSpan> pipeline, SpanDataFactory factory, TracerMetrics metrics,
      TraceClock clock, Runnable droppedAfterClose, Predicate<RecordingSpan> heldOnEnd, Consumer<CapturedSpan> refused) {
    this.pipeline = pipeline;
    this.factory = factory;
    this.metrics = metrics;
    this.clock = clock;
    this.droppedAfterClose = droppedAfterClose;
    this.heldOnEnd = heldOnEnd;
    this.refused = refused;
    metrics.registeredStarts(openSpans::started);
    this.endListener = new SpanEndListener() {
      @Override
      public void onEnd(RecordingSpan span) {
        spanEnded(span);
      }

      @Override
      public void onMutationAfterEnd() {
        metrics.mutationsAfterEnd.increment();
      }
    };
  }

  /**
   * A user clock that throws would leave spans that can never end: fall back to the system clock for that
   * reading instead. The default clock is used as it is.
   */
  public static TraceClock guarded(TraceClock clock) {
    if (clock == TraceClock.system()) {
      return clock;
    }
    return () -> {
      try {
        return clock.nowEpochNanos();
      } catch (Throwable t) {
        Exceptions.throwIfJvmFatal(t);
        return TraceClock.system().nowEpochNanos();
      }
    };
  }

  /**
   * Starts a sampled span, registered as open unless shutdown has stopped accepting.
   *
   * @param traceId the trace id's text when known (the parent's, or given), else null: then the nonzero 128 bits
   *     {@code traceIdHigh} and {@code traceIdLow}, written as text only when something asks for it
   * @param spanIdBits the new span's nonzero id
   * @param parent the parent, or null for a new trace
   * @param startEpochNanos when it started, read from the tracer's clock
   * @param heldTrace the trace tail sampling holds the span in, or null
   * @param input the input to record, or null for none yet
   */
  public RecordingSpan start(@Nullable String traceId, long traceIdHigh, long traceIdLow, long spanIdBits,
      @Nullable SpanContext parent, String name, ObservationType type, TraceAttributes attributes,
      long startEpochNanos, @Nullable Object heldTrace, @Nullable Object input) {
    RecordingSpan span = new RecordingSpan(
        endListener,
        clock,
        traceId,
        traceIdHigh,
        traceIdLow,
        spanIdBits,
        parent == null ? null : parent.spanId(),
        parent != null && parent.remote(),
        name,
        type,
        startEpochNanos,
        attributes);
    if (heldTrace != null) {
      span.heldTrace(heldTrace);
    }
    if (input != null) {
      span.initialInput(input);
    }
    if (!closing) {
      span.register(openSpans); // counts it as started, too
    } else {
      metrics.spansStarted.increment();
    }
    return span;
  }

  /** The span pipeline. */
  public BatchingPipeline<CapturedSpan> pipeline() {
    return pipeline;
  }

  /** Recording spans started and not yet ended (the collected ones unlinked first). */
  public int open() {
    return openSpans.open();
  }

  /** Spans that were never ended and were garbage-collected. */
  public long abandoned() {
    return openSpans.abandoned();
  }

  /**
   * Stops registering new spans as open and ends the spans still open, as ended by shutdown; they go into the
   * pipeline, which still accepts them. Returns how many it ended.
   */
  public int stopAndEndOpenSpans() {
    closing = true;
    List<RecordingSpan> open = openSpans.snapshot();
    int ended = 0;
    for (RecordingSpan span : open) {
      try {
        if (span.endByShutdown()) {
          ended++;
        }
      } catch (Throwable t) {
        Exceptions.throwIfJvmFatal(t);
      }
    }
    return ended;
  }

  private void spanEnded(RecordingSpan span) {
    try {
      deliver(span);
    } catch (Throwable t) {
      // Ending a span runs inside the application's signals (a traced operator's onComplete): a bug of ours must
      // never stop that signal, so it is counted as a failed span and logged instead.
      Exceptions.throwIfJvmFatal(t);
      metrics.failed(FailureReason.INTERNAL_ERROR, 1);
      log.warn("fluxtrace: could not deliver span '{}': {}", span.name(), t.toString());
    } finally {
      // Only now, once the span is in the pipeline (or counted out of it): shutdown never sees it neither open
      // nor queued, so it cannot stop accepting while the span is on its way.
      OpenSpans.Node node = span.openNode();
      if (node != null) {
        openSpans.remove(node);
      }
    }
  }

  private void deliver(RecordingSpan span) {
    metrics.spansEnded.increment();
    if (pipeline.isClosed()) {
      // Saves the conversion; the pipeline would count it the same way.
      metrics.droppedAfterClose.increment();
      droppedAfterClose.run();
      return;
    }
    if (heldOnEnd.test(span)) {
      return;
    }
    if (pipeline.refuseIfFull()) {
      // During an outage nearly every span is dropped: not encoding its content first keeps that cheap.
      return;
    }
    CapturedSpan data = capture(span);
    if (data != null) {
      offer(data);
    }
  }

  /** Queues an ended span; a span the pipeline refuses (counted there) is handed to {@code refused}. */
  public void offer(CapturedSpan data) {
    if (!pipeline.offer(data)) {
      refused.accept(data);
    }
  }

  /** What the ended span keeps until export, or null when that failed (counted as failed). */
  public @Nullable CapturedSpan capture(RecordingSpan span) {
    try {
      return factory.capture(span);
    } catch (Throwable t) {
      // A bug of ours must not reach the application; count the span as failed instead.
      metrics.failed(FailureReason.INTERNAL_ERROR, 1);
      log.warn("fluxtrace: could not record span '{}': {}", span.name(), t.getClass().getName());
      return null;
    }
  }
}
