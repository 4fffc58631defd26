package io.fluxtrace.internal.sampling;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.SamplingStats;
import io.fluxtrace.Score;
import io.fluxtrace.SpanData;
import io.fluxtrace.TailSampling;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.config.SamplingSettings;
import io.fluxtrace.internal.pipeline.CapturedSpan;
import io.fluxtrace.internal.pipeline.ScoreMetrics;
import io.fluxtrace.internal.pipeline.SpanSizeEstimator;
import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.internal.util.Bounds;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;

/**
 * Holds the traces the head rate would drop until their local root ends, then keeps or samples them out whole.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>Only traces the rate would drop are held: a trace the rate keeps is exported as its spans end, so the rate's
 *       share is decided exactly as without tail sampling (per trace id) and is never delayed.
 *   <li>Bounded: at most {@code maxHeldSpans} spans and scores and {@code maxHeldBytes} estimated bytes (the
 *       pipeline's own estimate) in total, at most {@code maxHeldSpansPerTrace} per trace. A new trace that finds the
 *       hold full is not held: it gets the rate's decision at once (counted). A held trace that would pass a bound is
 *       decided then with what is known (counted as decided early).
 *   <li>Every span that reaches {@link #ended} ends in exactly one place: handed to the pipeline (which counts its
 *       outcome), counted as sampled out, or counted as failed by the converter. Every score handed to
 *       {@link #score} is recorded later, dropped as sampled out, or handed back to the caller.
 *   <li>A trace whose root has not ended within the decision timeout is decided by a periodic sweep on the
 *       pipeline's timer (virtual in tests); {@link #decideAll()} decides everything held at once (flush and
 *       shutdown). Decisions hand their spans to the pipeline under the trace's monitor, which {@code decideAll}
 *       takes too: when it returns, every span held before the call is in the pipeline, so a flush marker emitted
 *       afterwards covers it.
 *   <li>Never blocks and never throws into the caller; the user's predicate is caught (an exception counts as
 *       false) and runs outside every monitor.
 * </ul>
 */
public final class TailSampler {

  /** How many decisions are remembered (8 bytes each): scores and late spans of these traces follow them. */
  static final int REMEMBERED_DECISIONS = 1 << 15;
  private static final long MIN_SWEEP_NANOS = Duration.ofMillis(10).toNanos();
  private static final long MAX_SWEEP_NANOS = Duration.ofSeconds(1).toNanos();

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = SafeLogger.of(TailSampler.class);
  private final RateLimitedLog holdFullWarnings = new RateLimitedLog(log, Duration.ofMinutes(1));
  private final RateLimitedLog predicateWarnings = new RateLimitedLog(log, Duration.ofMinutes(1));

  private final TailSampling options;
  private final int maxHeldSpans;
  private final long maxHeldBytes;
  private final long slowerThanNanos;
  private final long timeoutNanos;
  private final TraceClock clock;
  private final Scheduler timer;
  private final Function<RecordingSpan, @Nullable CapturedSpan> converter;
  private final Consumer<CapturedSpan> pipeline;
  private final Consumer<CapturedSpan> discarded;
  private final Function<CapturedSpan, SpanData> view;
  private final Consumer<Score> scoreDelivery;
  private final ScoreMetrics scoreMetrics;
  private final ConcurrentHashMap<String, HeldTrace> traces = new ConcurrentHashMap<>();
  private final DecisionMemory memory = new DecisionMemory(REMEMBERED_DECISIONS);
  private final AtomicLong heldItems = new AtomicLong();
  private final AtomicLong heldBytes = new AtomicLong();
  private final AtomicLong heldSpans = new AtomicLong();
  private final AtomicLong heldScores = new AtomicLong();
  private final LongAdder spansSampledOut = new LongAdder();
  private final LongAdder tracesHeld = new LongAdder();
  private final LongAdder tracesKept = new LongAdder();
  private final LongAdder tracesSampledOut = new LongAdder();
  private final LongAdder tracesDecidedEarly = new LongAdder();
  private final LongAdder tracesNotHeldHoldFull = new LongAdder();
  private final @Nullable Disposable sweeper;
  private volatile boolean closed;

  /**
   * @param clock the span clock: how long a root has lasted
   * @param timer the pipeline's timer: decision timeouts
   * @param converter captures an ended span; returns null when it could not (it counted the span as failed)
   * @param pipeline takes the spans of kept traces (lock-free, never blocks)
   * @param discarded told of each captured span of a sampled-out trace (it lets go of what the span holds)
   * @param view the span as the user predicate sees it (only a root, only with a predicate)
   * @param scoreDelivery takes the scores of kept traces, already counted as recorded
   */
  public TailSampler(SamplingSettings settings, TraceClock clock, Scheduler timer,
      Function<RecordingSpan, @Nullable CapturedSpan> converter, Consumer<CapturedSpan> pipeline,
      Consumer<CapturedSpan> discarded, Function<CapturedSpan, SpanData> view, Consumer<Score> scoreDelivery, ScoreMetrics scoreMetrics) {
    this.options = Objects.requireNonNull(settings.tail(), "tail sampling options");
    this.maxHeldSpans = settings.maxHeldSpans();
    this.maxHeldBytes = settings.maxHeldBytes();
    Duration slow = options.slowerThan();
    this.slowerThanNanos = slow == null ? -1 : slow.toNanos();
    this.timeoutNanos = options.decisionTimeout().toNanos();
    this.clock = clock;
    this.timer = timer;
    this.converter = converter;
    this.pipeline = pipeline;
    this.discarded = discarded;
    this.view = view;
    this.scoreDelivery = scoreDelivery;
    this.scoreMetrics = scoreMetrics;
    long period = Math.max(MIN_SWEEP_NANOS, Math.min(MAX_SWEEP_NANOS, timeoutNanos / 4));
    Disposable task;
    try {
      task = timer.schedulePeriodically(this::sweepSafely, period, period, NANOSECONDS);
    } catch (RejectedExecutionException e) {
      task = null; // a disposed scheduler: the pipeline cannot run either; flush and shutdown still decide
    }
    this.sweeper = task;
  }

  /** Whether a trace joined from a {@code traceparent} with sampled=0 is held and decided here. */
  public boolean decidesJoinedTraces() {
    return options.decideJoinedTraces();
  }

  /**
   * Holds a new trace the rate would drop, whose root is about to start; a joined trace already held is joined
   * instead. Null when the trace is not held (the hold is full, counted, or shutdown has begun): the caller then
   * applies the rate's decision.
   */
  public @Nullable HeldTrace holdNewTrace(String traceId, String rootSpanId, long rootStartEpochNanos) {
    if (closed) {
      return null;
    }
    if (heldItems.get() >= maxHeldSpans || heldBytes.get() >= maxHeldBytes || traces.size() >= maxHeldSpans) {
      tracesNotHeldHoldFull.increment();
      memory.remember(traceId, false);
      if (holdFullWarnings.tryAcquire()) {
        log.warn("fluxtrace: tail sampling holds its maximum (maxHeldSpans={}, maxHeldBytes={}): new traces get the"
            + " sample rate's decision at once, so their errors may be sampled out; {} so far"
            + " (stats().sampling().tracesNotHeldHoldFull())", maxHeldSpans, maxHeldBytes,
            tracesNotHeldHoldFull.sum());
      }
      return null;
    }
    HeldTrace created = new HeldTrace(traceId, rootSpanId, rootStartEpochNanos, timer.now(NANOSECONDS));
    HeldTrace existing = traces.putIfAbsent(traceId, created);
    if (existing == null) {
      tracesHeld.increment();
      return created;
    }
    return join(existing);
  }

  /**
   * The held trace a new child span of a recorded local parent joins, or null when its trace is not held (the rate
   * kept it, or it was decided and all its spans had ended: see {@link #remembersSampledOut}).
   */
  public @Nullable HeldTrace heldTrace(String traceId) {
    HeldTrace trace = traces.get(traceId);
    return trace == null ? null : join(trace);
  }

  private static @Nullable HeldTrace join(HeldTrace trace) {
    synchronized (trace) {
      if (trace.removed) {
        return null;
      }
      trace.open++;
      return trace;
    }
  }

  /** Whether this trace was recently sampled out: a span starting in it now is not recorded. */
  public boolean remembersSampledOut(String traceId) {
    return memory.recall(traceId) == DecisionMemory.Decision.SAMPLED_OUT;
  }

  /**
   * Takes an ended span: held, handed to the pipeline or counted as sampled out. Returns false, having done nothing,
   * when the span is not part of a held trace.
   */
  public boolean ended(RecordingSpan span) {
    if (!(span.heldTrace() instanceof HeldTrace trace)) {
      return false;
    }
    boolean root = trace.rootSpanId.equals(span.spanId());
    if (trace.decided && !trace.kept) {
      // Not encoded at all: nothing of it would leave the process.
      synchronized (trace) {
        trace.open--;
        spansSampledOut.increment();
        removeIfDone(trace);
      }
      return true;
    }
    CapturedSpan data = converter.apply(span);
    boolean userKeeps = root && data != null && !trace.decided && userKeeps(data);
    synchronized (trace) {
      trace.open--;
      if (!trace.decided) {
        observe(trace, span.level());
        if (root) {
          decide(trace, keptByRules(trace) || rootSlow(span) || userKeeps, false);
        } else if (data != null && !closed) {
          long size = SpanSizeEstimator.estimate(data);
          if (reserve(trace, size)) {
            trace.hold(data, size);
            heldSpans.incrementAndGet();
            data = null;
          } else {
            decideEarly(trace);
          }
        } else if (closed) {
          decideEarly(trace);
        }
      }
      if (data != null) {
        route(trace, data);
      }
      removeIfDone(trace);
    }
    return true;
  }

  /**
   * Takes a score of a trace this sampler decides: held with its trace, dropped as sampled out (counted as recorded
   * and dropped) or, when false is returned, left to the caller to record as usual (its trace was kept, or is not
   * one this sampler knows).
   */
  public boolean score(Score score) {
    String traceId = score.traceId();
    if (traceId == null) {
      return false;
    }
    HeldTrace trace = traces.get(traceId);
    if (trace != null) {
      synchronized (trace) {
        if (!trace.removed) {
          if (!trace.decided) {
            long size = scoreSize(score);
            if (!closed && reserve(trace, size)) {
              scoreMetrics.recorded.increment();
              trace.hold(score, size);
              heldScores.incrementAndGet();
              return true;
            }
            decideEarly(trace);
            removeIfDone(trace);
          }
          return !trace.kept && dropScore();
        }
      }
    }
    return memory.recall(traceId) == DecisionMemory.Decision.SAMPLED_OUT && dropScore();
  }

  private boolean dropScore() {
    if (options.keepScoresOfSampledOutTraces()) {
      return false;
    }
    scoreMetrics.recorded.increment();
    scoreMetrics.droppedSampledOut.increment();
    return true;
  }

  /**
   * Decides every held trace now with what is known (flush, shutdown): when it returns, the spans and scores of the
   * kept ones are in their pipelines.
   */
  public void decideAll() {
    for (HeldTrace trace : traces.values()) {
      synchronized (trace) {
        if (!trace.decided) {
          decideEarly(trace);
        }
        removeIfDone(trace);
      }
    }
  }

  /**
   * Stops holding (shutdown): decides everything held, and from now on a new trace gets the rate's decision and a
   * span ending in a trace still undecided decides it.
   */
  public void close() {
    closed = true;
    Disposable task = sweeper;
    if (task != null) {
      task.dispose();
    }
    decideAll();
  }

  /** The counters and the hold's current content. */
  public SamplingStats stats() {
    return new SamplingStats(
        spansSampledOut.sum(),
        tracesHeld.sum(),
        tracesKept.sum(),
        tracesSampledOut.sum(),
        tracesDecidedEarly.sum(),
        tracesNotHeldHoldFull.sum(),
        heldSpans.get(),
        heldBytes.get(),
        heldScores.get());
  }

  /** Held traces in the map now, decided ones whose spans are still open included; for tests. */
  int traceCount() {
    return traces.size();
  }

  private void observe(HeldTrace trace, ObservationLevel level) {
    if (level == ObservationLevel.ERROR) {
      trace.errorSeen = true;
    } else if (level == ObservationLevel.WARNING) {
      trace.warningSeen = true;
    }
  }

  private boolean keptByRules(HeldTrace trace) {
    return (options.keepErrors() && trace.errorSeen) || (options.keepWarnings() && trace.warningSeen);
  }

  private boolean rootSlow(RecordingSpan root) {
    return slowerThanNanos >= 0 && root.endEpochNanos() - root.startEpochNanos() > slowerThanNanos;
  }

  private boolean userKeeps(CapturedSpan root) {
    Predicate<SpanData> rule = options.keepWhen();
    if (rule == null) {
      return false;
    }
    try {
      // The root is encoded for the predicate here and again at export: only a root, only with a predicate.
      return rule.test(view.apply(root));
    } catch (Throwable t) {
      Exceptions.throwIfJvmFatal(t);
      predicateWarnings.warn("fluxtrace: the tail sampling keepWhen predicate threw {}; counted as false",
          t.getClass().getName());
      return false;
    }
  }

  /** Decides a trace whose root has not ended: an error or warning so far, or a root open for longer than slow. */
  private void decideEarly(HeldTrace trace) {
    boolean slow = slowerThanNanos >= 0 && clock.nowEpochNanos() - trace.rootStartEpochNanos > slowerThanNanos;
    decide(trace, keptByRules(trace) || slow, true);
  }

  /** Under the trace's monitor: hands everything held to the pipelines or counts it out, then frees the hold. */
  private void decide(HeldTrace trace, boolean keep, boolean early) {
    trace.kept = keep;
    trace.decided = true;
    memory.remember(trace.traceId, keep);
    (keep ? tracesKept : tracesSampledOut).increment();
    if (early) {
      tracesDecidedEarly.increment();
    }
    List<CapturedSpan> spans = trace.spans;
    List<Score> scores = trace.scores;
    int spanCount = spans == null ? 0 : spans.size();
    int scoreCount = scores == null ? 0 : scores.size();
    if (keep) {
      // Handed over before the hold is freed, so that held and queued never undercount what is in memory.
      if (spans != null) {
        spans.forEach(pipeline);
      }
      if (scores != null) {
        scores.forEach(this::deliverScore);
      }
    } else {
      spansSampledOut.add(spanCount);
      if (spans != null) {
        spans.forEach(discarded);
      }
      if (scores != null) {
        if (options.keepScoresOfSampledOutTraces()) {
          scores.forEach(this::deliverScore);
        } else {
          scoreMetrics.droppedSampledOut.add(scoreCount);
        }
      }
    }
    trace.spans = null;
    trace.scores = null;
    heldSpans.addAndGet(-spanCount);
    heldScores.addAndGet(-scoreCount);
    heldBytes.addAndGet(-trace.bytes);
    heldItems.addAndGet(-trace.items);
    trace.items = 0;
    trace.bytes = 0;
  }

  private void deliverScore(Score score) {
    try {
      scoreDelivery.accept(score);
    } catch (Throwable t) {
      Exceptions.throwIfJvmFatal(t);
      scoreMetrics.failed(io.fluxtrace.FailureReason.INTERNAL_ERROR, 1);
    }
  }

  /** A span ending in a decided trace. */
  private void route(HeldTrace trace, CapturedSpan data) {
    if (trace.kept) {
      pipeline.accept(data);
    } else {
      spansSampledOut.increment();
      discarded.accept(data);
    }
  }

  /** Under the trace's monitor: takes room for one more item of {@code size} bytes, within every bound. */
  private boolean reserve(HeldTrace trace, long size) {
    if (trace.items >= options.maxHeldSpansPerTrace()) {
      return false;
    }
    if (!Bounds.reserve(heldItems, 1, maxHeldSpans)) {
      return false;
    }
    if (!Bounds.reserve(heldBytes, size, maxHeldBytes)) {
      heldItems.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Under the trace's monitor: a decided trace with no open span leaves the map; its decision is remembered. */
  private void removeIfDone(HeldTrace trace) {
    if (trace.decided && trace.open <= 0 && !trace.removed) {
      trace.removed = true;
      traces.remove(trace.traceId, trace);
    }
  }

  private void sweepSafely() {
    try {
      sweep();
    } catch (Throwable t) {
      // A periodic task that throws is never run again: whatever happens here must not end the sweeps.
      Exceptions.throwIfJvmFatal(t);
      log.warn("fluxtrace: the tail sampling timer met an unexpected error; it goes on: {}", t.getClass().getName());
    }
  }

  /**
   * Decides the traces held longer than the decision timeout, and forgets decided ones whose spans have stayed open
   * for twice as long (a span never ended and garbage-collected keeps its trace open for ever): a span started in
   * one later follows the remembered decision.
   */
  private void sweep() {
    long now = timer.now(NANOSECONDS);
    for (Map.Entry<String, HeldTrace> entry : traces.entrySet()) {
      HeldTrace trace = entry.getValue();
      long age = now - trace.heldSinceNanos;
      if (age < timeoutNanos) {
        continue;
      }
      synchronized (trace) {
        if (!trace.decided) {
          decideEarly(trace);
        } else if (age >= 2 * timeoutNanos && !trace.removed) {
          trace.removed = true;
          traces.remove(trace.traceId, trace);
        }
        removeIfDone(trace);
      }
    }
  }

  /**
   * A held score's estimated heap: the Score object, its id and name, value, comment and target ids, and 64 bytes a
   * metadata entry (the values are the application's objects, of unknown size).
   */
  static long scoreSize(Score score) {
    long size = 160 + 2L * (score.id().length() + score.name().length() + length(score.stringValue())
        + length(score.comment()) + length(score.traceId()) + length(score.observationId())
        + length(score.sessionId()));
    return size + 64L * score.metadata().size();
  }

  private static int length(@Nullable String value) {
    return value == null ? 0 : value.length();
  }
}
