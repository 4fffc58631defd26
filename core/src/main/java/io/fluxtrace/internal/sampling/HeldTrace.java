package io.fluxtrace.internal.sampling;

import io.fluxtrace.Score;
import io.fluxtrace.internal.pipeline.CapturedSpan;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One trace tail sampling holds: its ended spans and its scores until it is decided, then the decision, which its
 * later spans and scores follow. Every field but the ids is guarded by the object's monitor ({@link TailSampler}
 * synchronizes on it), which is held only for short bookkeeping and hand-offs to the lock-free pipelines, never
 * across I/O; the monitor is also what lets a flush wait for a decision being carried out on another thread.
 */
public final class HeldTrace {

  final String traceId;
  final String rootSpanId;
  /** When the root started, on the span clock: how long an open root has lasted. */
  final long rootStartEpochNanos;
  /** When the trace was first held, on the timer's clock: its decision timeout. */
  final long heldSinceNanos;

  /** Recording spans of the trace started and not yet ended. */
  int open = 1;
  boolean errorSeen;
  boolean warningSeen;
  /** Read without the monitor to skip encoding a span of a sampled-out trace; written under it. */
  volatile boolean decided;
  volatile boolean kept;
  /** Out of the sampler's map: a span starting now cannot join it. */
  boolean removed;
  @Nullable List<CapturedSpan> spans;
  @Nullable List<Score> scores;
  /** Spans and scores held, and their estimated bytes, all reserved in the sampler's totals. */
  int items;
  long bytes;

  HeldTrace(String traceId, String rootSpanId, long rootStartEpochNanos, long heldSinceNanos) {
    this.traceId = traceId;
    this.rootSpanId = rootSpanId;
    this.rootStartEpochNanos = rootStartEpochNanos;
    this.heldSinceNanos = heldSinceNanos;
  }

  void hold(CapturedSpan span, long size) {
    List<CapturedSpan> list = spans;
    if (list == null) {
      list = spans = new ArrayList<>();
    }
    list.add(span);
    items++;
    bytes += size;
  }

  void hold(Score score, long size) {
    List<Score> list = scores;
    if (list == null) {
      list = scores = new ArrayList<>(2);
    }
    list.add(score);
    items++;
    bytes += size;
  }

  @Override
  public String toString() {
    return "HeldTrace{" + traceId + '}';
  }
}
