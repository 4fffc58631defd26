package io.fluxtrace;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.Exporters;
import io.fluxtrace.internal.ShutdownDrain;
import io.fluxtrace.internal.TracerAccess;
import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TraceLinks;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.media.MediaUploader;
import io.fluxtrace.internal.pipeline.BatchingPipeline;
import io.fluxtrace.internal.pipeline.CapturedSpan;
import io.fluxtrace.internal.pipeline.SpanPipeline;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.sampling.HeldTrace;
import io.fluxtrace.internal.sampling.TailSampler;
import io.fluxtrace.internal.score.RecentTraces;
import io.fluxtrace.internal.score.ScoreDataFactory;
import io.fluxtrace.internal.score.ScoreRecorder;
import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.internal.span.SpanDataFactory;
import io.fluxtrace.internal.span.SpanRecorder;
import io.fluxtrace.internal.span.SpanStarts;
import io.fluxtrace.internal.util.HexIds;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;

/**
 * The tracer: starts spans and delivers them, once ended, through a bounded background pipeline; records
 * {@link Score scores} and delivers them through another. Build one per application with {@link #builder()} and
 * keep it for the application's lifetime; it owns the HTTP connection pools and the pipelines. Thread-safe.
 *
 * <p>Reactor applications use it through the traced operators of {@code io.fluxtrace.reactor}, which keep the
 * current span in the Reactor Context. Everything that can be done here is non-blocking except the two
 * documented bridges for non-reactive callers, {@link #flushBlocking(Duration)} and {@link #close()}, which
 * refuse to run on a thread Reactor marks non-blocking.
 *
 * <p>Lifecycle: {@link #flush()} delivers what has ended so far; {@link #shutdown()} (or {@link #close()})
 * drains (keeps accepting and delivering while spans are open or anything is undelivered, as a host finishes its
 * requests) and then stops, within the configured shutdown timeout. Unless turned off with
 * {@link FluxTracerBuilder#shutdownHook(boolean)}, a JVM shutdown hook does the same at exit for a tracer that
 * was not closed.
 *
 * <p>Implementation note: longer than 600 lines because, with the span and score work in {@code SpanRecorder} and
 * {@code ScoreRecorder}, what stays here is the public contract and its javadoc plus what spans all sides at once:
 * the sampling decision (the rate, the sampled-out fast path, tail sampling) and flush and shutdown across spans,
 * scores, held traces and media.
 */
public final class FluxTracer implements AutoCloseable {

  /** How much longer than the shutdown timeout the blocking bridges wait before they give up on shutdown. */
  static {
    // fluxtrace's own modules (the experiment runner reads Langfuse datasets with the tracer's endpoint and
    // keys) reach the resolved configuration through internal code, not through a public accessor.
    TracerAccess.install(tracer -> tracer.config);
    // The traced operators start spans with their input already recorded (one lock fewer per step).
    SpanStarts.install((tracer, name, type, parent, attributes, input) -> tracer.startWithInput(name, type, parent,
        attributes, input));
  }

  private static final Duration BLOCKING_MARGIN = Duration.ofSeconds(5);
  /** The most of the shutdown timeout kept for delivering what is left once the drain is over. */
  private static final Duration MAX_DELIVERY_RESERVE = Duration.ofSeconds(5);

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = SafeLogger.of(FluxTracer.class);

  private final TracerConfig config;
  /** The configured clock, guarded (see {@link SpanRecorder#guarded}). */
  private final TraceClock spanClock;
  private final TracerMetrics metrics = new TracerMetrics();
  private final @Nullable SpanRecorder spans;
  private final @Nullable ScoreRecorder scores;
  /** Uploads media found in span content to Langfuse; null when media upload is off or not possible. */
  private final @Nullable MediaUploader media;
  /** Tail sampling, or null when the rate decides when a trace starts. */
  private final @Nullable TailSampler tail;
  private final long sampleThreshold;
  private final AtomicReference<@Nullable Mono<FlushResult>> shutdown = new AtomicReference<>();
  private final @Nullable Thread shutdownHook;
  /** Set when shutdown stops accepting. */
  private volatile boolean closing;
  /** Spans and scores dropped after close that shutdown's summary already reported. */
  private volatile long droppedAfterCloseReported;
  /** Whether shutdown's summary was logged; drops after close before it are part of it. */
  private volatile boolean shutdownReported;
  private final RateLimitedLog lateDropWarnings = new RateLimitedLog(log, Duration.ofMinutes(1));
  /** The environment and release of traces started here with their own, for scores recorded later by trace id. */
  private final RecentTraces recentTraces = new RecentTraces();
  /** Links to traces in the Langfuse UI; null when the tracer does not export to Langfuse. */
  private final @Nullable TraceLinks traceLinks;

  private FluxTracer(TracerConfig config) {
    this.config = config;
    this.spanClock = SpanRecorder.guarded(config.clock());
    this.sampleThreshold = (long) (config.trace().sampleRate() * Long.MAX_VALUE);
    // One per tracer: span and score export (and media upload) share its HTTP transport (event loop, pool, TLS, proxy).
    Exporters exporters = config.enabled() ? new Exporters(config) : null;
    MediaUploader uploader =
        exporters != null && config.media().enabled() ? MediaUploader.create(config, exporters.transport()) : null;
    this.media = uploader;
    if (uploader != null) {
      metrics.mediaStats(uploader::stats);
    }
    ContentEncoder encoder = new ContentEncoder(config.content().objectMapper(), config.content().masker(),
        config.content().maxValueBytes(), metrics, uploader);
    if (exporters != null) {
      SpanExporter exporter = exporters.spanExporter(metrics);
      if (uploader != null) {
        // A batch waits for its spans' media, so a span never points at media that did not arrive.
        exporter = uploader.awaitingUploads(exporter);
      }
      SpanDataFactory spanDataFactory = new SpanDataFactory(encoder, metrics);
      BatchingPipeline<CapturedSpan> p = SpanPipeline.create(config.batching(), config.lifecycle(),
          config.sampling(), config.media(), metrics, exporter, spanDataFactory::toSpanData);
      SpanRecorder spanRecorder = new SpanRecorder(p, spanDataFactory, metrics, spanClock, this::reportLateDrops,
          this::heldOnEnd, this::discard);
      this.spans = spanRecorder;
      String spanDestination = config.exporter() != null ? "a custom exporter"
          : Secrets.redactUrl(config.endpoint().endpoint());
      ScoreRecorder recorder = new ScoreRecorder(config.batching(), config.lifecycle(), spanDestination,
          metrics.scores, new ScoreDataFactory(encoder, spanClock, config.trace().environment(),
              config.trace().release(), recentTraces),
          () -> exporters.scoreExporter(metrics.scores));
      this.scores = recorder;
      this.tail = config.sampling().tailEnabled()
          ? new TailSampler(config.sampling(), spanClock, p.timer(), spanRecorder::capture, spanRecorder::offer,
              this::discard, spanDataFactory::toSpanData, recorder::deliver, metrics.scores)
          : null;
      TailSampler t = tail;
      if (t != null) {
        metrics.sampling(t::stats);
      }
    } else {
      this.spans = null;
      this.scores = null;
      this.tail = null;
    }
    this.shutdownHook = spans != null && config.lifecycle().shutdownHook() ? registerShutdownHook() : null;
    this.traceLinks = config.endpoint().langfuse() && config.exporter() == null ? traceLinks(config) : null;
  }

  /** Whether tail sampling takes an ended span, because it holds the span's trace. */
  private boolean heldOnEnd(RecordingSpan span) {
    TailSampler t = tail;
    return t != null && t.ended(span);
  }

  private static TraceLinks traceLinks(TracerConfig config) {
    String endpoint = config.endpoint().endpoint().toString();
    String base = endpoint.endsWith(FluxTracerBuilder.LANGFUSE_OTLP_PATH)
        ? endpoint.substring(0, endpoint.length() - FluxTracerBuilder.LANGFUSE_OTLP_PATH.length())
        : endpoint;
    return new TraceLinks(base, config.fields().projectId());
  }

  private @Nullable Thread registerShutdownHook() {
    // The hook holds the tracer until close() removes it, so a closed tracer is not kept reachable.
    Thread hook = new Thread(this::runShutdownHook, "fluxtrace-shutdown");
    try {
      Runtime.getRuntime().addShutdownHook(hook);
      return hook;
    } catch (IllegalStateException e) {
      return null; // the JVM is already exiting
    }
  }

  private void runShutdownHook() {
    try {
      FlushResult result = shutdown().block(config.lifecycle().shutdownTimeout().plus(BLOCKING_MARGIN));
      if (result != null && result.completed()) {
        log.debug("fluxtrace: flushed at exit: {}", result.stats());
      }
    } catch (Throwable t) {
      log.warn("fluxtrace: flushing at exit failed: {}", t.toString());
    }
  }

  private void removeShutdownHook() {
    Thread hook = shutdownHook;
    if (hook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is exiting (possibly this is the hook itself): nothing to remove.
    }
  }

  /** Recording spans started and not yet ended (the collected ones unlinked first), for tests. */
  int openSpanCount() {
    SpanRecorder s = spans;
    return s == null ? 0 : s.open();
  }

  /** The registered JVM shutdown hook, for tests. */
  @Nullable Thread shutdownHook() {
    return shutdownHook;
  }

  static FluxTracer create(TracerConfig config) {
    FluxTracer tracer = new FluxTracer(config);
    if (config.enabled()) {
      tracer.log.debug("fluxtrace: tracer started with {}", config);
    }
    return tracer;
  }

  /** A builder whose defaults come from the {@code LANGFUSE_*} environment variables. */
  public static FluxTracerBuilder builder() {
    return new FluxTracerBuilder(System.getenv());
  }

  /** A builder whose defaults come from {@code environment} instead of the process environment. */
  public static FluxTracerBuilder builder(Map<String, String> environment) {
    return new FluxTracerBuilder(Objects.requireNonNull(environment, "environment"));
  }

  /** A tracer that records nothing and costs close to nothing. */
  public static FluxTracer disabled() {
    return builder(Map.of()).enabled(false).shutdownHook(false).build();
  }

  /** Whether spans are recorded at all. */
  public boolean isEnabled() {
    return spans != null;
  }

  /** The clock of span timestamps. */
  public TraceClock clock() {
    return config.clock();
  }

  /**
   * Starts a span now. With no parent the span starts a new trace, sampled by its trace id; a span whose
   * parent is remote is the application's root in that trace. The span must be ended exactly once.
   *
   * @param name the observation name; a null or blank name becomes {@code "unnamed"}
   * @param type the observation type
   * @param parent the parent, or null for a new trace
   * @param attributes the trace-wide attributes of the request
   */
  public Span startSpan(String name, ObservationType type, @Nullable SpanContext parent, TraceAttributes attributes) {
    SpanRecorder recorder = spans;
    if (recorder == null) {
      return NonRecordingSpan.DISABLED;
    }
    return start(recorder, name, type, parent, attributes, null, null);
  }

  /** {@link #startSpan} with the input recorded before the span is published (see {@link SpanStarts}). */
  private Span startWithInput(String name, ObservationType type, @Nullable SpanContext parent,
      TraceAttributes attributes, Object input) {
    SpanRecorder recorder = spans;
    if (recorder == null) {
      return NonRecordingSpan.DISABLED;
    }
    return start(recorder, name, type, parent, attributes, null, input);
  }

  /**
   * Starts the root span of a new trace whose id is given, such as {@link TraceIds#fromSeed} of an external request
   * id, so that a later job can score the trace by the same id. Sampled by that id like any new trace.
   *
   * @param traceId a W3C trace id (32 lowercase hex characters, not all zeros)
   * @throws IllegalArgumentException when {@code traceId} is not a valid trace id
   */
  public Span startTrace(String traceId, String name, ObservationType type, TraceAttributes attributes) {
    if (traceId == null || !TraceIds.isValidTraceId(traceId)) {
      throw new IllegalArgumentException("fluxtrace: traceId must be a W3C trace id (32 lowercase hex characters,"
          + " not all zeros), got " + (traceId == null ? "null" : "'" + traceId + "'"));
    }
    SpanRecorder recorder = spans;
    if (recorder == null) {
      return NonRecordingSpan.DISABLED;
    }
    return start(recorder, name, type, null, attributes, traceId, null);
  }

  private Span start(SpanRecorder recorder, String name, ObservationType type, @Nullable SpanContext parent,
      @Nullable TraceAttributes attributes, @Nullable String givenTraceId, @Nullable Object input) {
    // Ids are numbers here; a span writes them as text only when asked (a child's context, the export side), so a
    // span without children formats no id on the caller's thread.
    String traceId = null;
    long high = 0;
    long low = 0;
    boolean sampled;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (parent == null) {
      if (givenTraceId != null) {
        traceId = givenTraceId;
        sampled = isSampled(traceId);
      } else {
        do {
          high = random.nextLong();
          low = random.nextLong();
        } while (high == 0 && low == 0);
        // The decision needs only the trace id's low half.
        sampled = isSampled(low);
        if (!sampled && tail == null) {
          return new NonRecordingSpan(high, low);
        }
      }
    } else {
      traceId = parent.traceId();
      sampled = parent.sampled();
    }
    long spanIdBits;
    do {
      spanIdBits = random.nextLong();
    } while (spanIdBits == 0);
    HeldTrace held = null;
    TailSampler t = tail;
    long start = 0;
    boolean started = false;
    if (t != null) {
      // Tail sampling: a trace the rate would drop is held until its root ends, then decided. It keys by the text.
      if (traceId == null) {
        traceId = HexIds.traceId(high, low);
      }
      if (parent == null || parent.remote()) {
        if (!sampled && (parent == null || t.decidesJoinedTraces())) {
          start = spanClock.nowEpochNanos();
          started = true;
          held = t.holdNewTrace(traceId, HexIds.spanId(spanIdBits), start);
          sampled = held != null;
        }
      } else if (sampled) {
        held = t.heldTrace(traceId);
        sampled = held != null || !t.remembersSampledOut(traceId);
      }
    }
    if (!sampled) {
      return new NonRecordingSpan(new SpanContext(traceId != null ? traceId : HexIds.traceId(high, low),
          HexIds.spanId(spanIdBits), false, false));
    }
    if (!started) {
      start = spanClock.nowEpochNanos();
    }
    RecordingSpan span = recorder.start(traceId, high, low, spanIdBits, parent,
        name == null || name.isBlank() ? "unnamed" : name, type == null ? ObservationType.SPAN : type,
        attributes == null ? TraceAttributes.EMPTY : attributes, start, held, input);
    if ((parent == null || parent.remote()) && attributes != null
        && (attributes.environment() != null || attributes.release() != null)) {
      // Only the trace's local root, and only a trace with its own environment or release, costs anything here.
      recentTraces.put(span.traceId(), attributes.environment(), attributes.release());
    }
    return span;
  }

  /**
   * The link to a trace in the Langfuse UI: {@code {baseUrl}/project/{projectId}/traces/{traceId}} with a
   * {@link FluxTracerBuilder#projectId project id}, else {@code {baseUrl}/trace/{traceId}}, which Langfuse redirects
   * to the trace's project. Null when the tracer does not export to Langfuse (an OTLP endpoint or a custom
   * exporter), or for an invalid trace id.
   */
  public @Nullable String traceUrl(String traceId) {
    TraceLinks links = traceLinks;
    return links == null || traceId == null || !TraceIds.isValidTraceId(traceId) ? null : links.traceUrl(traceId);
  }

  /**
   * Whether a span whose remote parent says sampled=0 may still be recorded here: with {@link TailSampling} and
   * {@link TailSampling.Builder#decideJoinedTraces decideJoinedTraces}, such a trace is held and decided here. Traced
   * operators that skip the children of an unsampled parent ask this first.
   */
  public boolean decidesJoinedTraces() {
    TailSampler t = tail;
    return t != null && t.decidesJoinedTraces();
  }

  /**
   * Whether the sample rate keeps a trace with this id: decided from the id alone, so every span of it agrees. With
   * {@link TailSampling}, a trace the rate drops may still be kept when it ends.
   */
  public boolean isSampled(String traceId) {
    if (config.trace().sampleRate() >= 1.0) {
      return true;
    }
    return isSampled(TraceIds.lowBits(traceId));
  }

  /** {@link #isSampled(String)} of a trace id whose low 64 bits are {@code lowBits}. */
  private boolean isSampled(long lowBits) {
    if (config.trace().sampleRate() >= 1.0) {
      return true;
    }
    if (config.trace().sampleRate() <= 0.0) {
      return false;
    }
    return (lowBits >>> 1) < sampleThreshold;
  }

  /** A span that will not be exported (refused, or sampled out when its trace was decided). */
  private void discard(CapturedSpan data) {
    MediaUploader m = media;
    if (m != null) {
      m.forget(data.traceId(), data.spanId());
    }
  }

  /**
   * Completes when every span ended and every score recorded before this call has been acknowledged by the
   * backend or has definitively failed, however many exports are in flight and in whatever order they complete;
   * that includes the uploads of the {@link Media} those spans hold (a span waits for its media). Never errors.
   * Flushing a disabled tracer, or one whose shutdown has finished, completes at once. Nothing
   * happens until subscribed; the result is signalled on the export scheduler, so move heavy work elsewhere with {@code publishOn}.
   */
  public Mono<FlushResult> flush() {
    SpanRecorder recorder = spans;
    ScoreRecorder s = scores;
    if (recorder == null || s == null) {
      return Mono.fromSupplier(() -> new FlushResult(true, metrics.snapshot()));
    }
    BatchingPipeline<CapturedSpan> p = recorder.pipeline();
    TailSampler t = tail;
    Mono<Boolean> flushed = Mono.zip(p.flush(), s.flush(), Boolean::logicalAnd);
    if (t != null) {
      // Held traces are decided first: their spans and scores are then ahead of the flush markers.
      flushed = Mono.defer(() -> {
        t.decideAll();
        return Mono.zip(p.flush(), s.flush(), Boolean::logicalAnd);
      });
    }
    MediaUploader m = media;
    // Media admitted before the call too (the spans that hold it wait for it anyway).
    Mono<Boolean> uploads = m == null ? Mono.just(true) : m.flush();
    return Mono.zip(flushed, uploads, Boolean::logicalAnd)
        .map(completed -> new FlushResult(completed, metrics.snapshot()));
  }

  /**
   * Records a score of a trace, an observation or a session, to be delivered with the same guarantees as spans:
   * never blocks, never throws once the score is built (validation happens in {@link Score.Builder#build()}),
   * bounded and counted ({@link TracerStats#scores()}), and included in {@link #flush()}, {@link #shutdown()} and
   * the shutdown hook. The comment and metadata are masked now, on the calling thread, by the tracer's
   * {@link ContentMasker}. A disabled tracer ignores scores. Scores are not sampled by the rate (the caller chose
   * the trace), but with {@link TailSampling} a score of a trace that was sampled out is dropped and counted
   * ({@link ScoreStats#droppedSampledOut()}), and one of a trace still held waits for its trace's decision.
   *
   * <p>Scores go to Langfuse's ingestion API, or to the configured
   * {@link FluxTracerBuilder#scoreExporter score exporter}. A tracer with an OTLP endpoint or a custom span
   * exporter and no score exporter has nowhere to send them: they are counted as
   * {@link ScoreStats#droppedNoExporter()} and one warning is logged.
   */
  public void score(Score score) {
    score(score, null);
  }

  /**
   * As {@link #score(Score)}, for a score recorded inside a request whose trace-wide attributes are
   * {@code request}: unless the score sets its own environment, it takes the request's environment (and release),
   * so a score of a {@code staging} request files under {@code staging}. The traced operators of
   * {@code io.fluxtrace.reactor} pass the request's attributes from the Reactor Context.
   */
  public void score(Score score, @Nullable TraceAttributes request) {
    Objects.requireNonNull(score, "score");
    ScoreRecorder s = scores;
    if (s != null) {
      TailSampler t = tail;
      if (t == null || !t.score(score)) {
        s.record(score, request);
      }
      if (closing) {
        reportLateDrops();
      }
    }
  }

  /**
   * Flushes and waits at most {@code timeout}, for callers that are not reactive (CLI tools, tests, jobs).
   *
   * @return the result; {@link FlushResult#completed()} is false if the time ran out
   * @throws IllegalStateException when called on a thread Reactor marks non-blocking (use {@link #flush()})
   */
  public FlushResult flushBlocking(Duration timeout) {
    requireBlockingAllowed("flushBlocking");
    FlushResult result = flush().timeout(timeout, Mono.empty()).block();
    return result != null ? result : new FlushResult(false, metrics.snapshot());
  }

  /**
   * Shuts the tracer down in two phases, within the configured
   * {@link FluxTracerBuilder#shutdownTimeout(Duration) shutdown timeout}:
   *
   * <ol>
   *   <li><b>Drain.</b> The tracer keeps accepting spans and scores and keeps delivering them while any span is
   *       open (started and not ended) or anything is queued or in flight, and until nothing has started, ended or
   *       been recorded for the {@link FluxTracerBuilder#shutdownQuietPeriod(Duration) quiet period}; at most
   *       until the last quarter (at most 5 s) of the shutdown timeout begins. So the spans of requests that a
   *       host such as Spring Boot finishes during its own graceful shutdown are still delivered.
   *   <li><b>Stop.</b> Spans still open then are ended by shutdown (level WARNING, a status message that says so)
   *       and delivered with the rest; from then on spans ended and scores recorded are counted as dropped after
   *       close. What is still undelivered at the deadline is counted as failed
   *       ({@link FailureReason#SHUTDOWN_DEADLINE}). The exporters are shut down and the export threads released.
   * </ol>
   *
   * <p>Whatever was ended by shutdown, dropped after close or left undelivered is logged once at WARN with the
   * counts (later drops after close: at most once a minute). Never errors; {@link FlushResult#completed()} says
   * whether everything was settled in time. Idempotent: every call (and the shutdown hook) shares the same
   * shutdown and returns the same outcome; {@link #flush()} keeps working during the drain. Nothing happens until
   * subscribed.
   */
  public Mono<FlushResult> shutdown() {
    Mono<FlushResult> existing = shutdown.get();
    if (existing != null) {
      return existing;
    }
    SpanRecorder p = spans;
    ScoreRecorder s = scores;
    Mono<FlushResult> created = p == null || s == null
        ? flush()
        : Mono.defer(() -> drainThenStop(p, s)).cache();
    return shutdown.compareAndSet(null, created) ? created : Objects.requireNonNull(shutdown.get());
  }

  /** How much of the shutdown timeout is kept for delivering what is left after the drain: a quarter, at most 5 s. */
  static Duration deliveryReserve(Duration shutdownTimeout) {
    Duration quarter = shutdownTimeout.dividedBy(4);
    return quarter.compareTo(MAX_DELIVERY_RESERVE) < 0 ? quarter : MAX_DELIVERY_RESERVE;
  }

  private Mono<FlushResult> drainThenStop(SpanRecorder spanSide, ScoreRecorder s) {
    BatchingPipeline<CapturedSpan> p = spanSide.pipeline();
    Scheduler timer = p.timer();
    Duration timeout = config.lifecycle().shutdownTimeout();
    long start = timer.now(NANOSECONDS);
    long deadline = start + timeout.toNanos();
    long drainDeadline = deadline - deliveryReserve(timeout).toNanos();
    int openAtStart = spanSide.open();
    if (openAtStart > 0) {
      log.info("fluxtrace: shutting down: still accepting spans while {} open span(s) end, for at most {}; then"
          + " the ones still open are ended by shutdown", openAtStart, timeout.minus(deliveryReserve(timeout)));
    }
    ShutdownDrain drain = new ShutdownDrain(
        timer,
        () -> p.queuedItems() == 0 && s.queued() == 0 && spanSide.open() == 0
            && (media == null || media.queued() == 0),
        () -> metrics.spansStarted() + metrics.spansEnded.sum() + metrics.scores.recorded.sum(),
        () -> p.queuedItems() > 0 || s.queued() > 0,
        () -> Mono.zip(p.flush(), s.flush(), Boolean::logicalAnd),
        config.lifecycle().shutdownQuietPeriod(),
        drainDeadline);
    return drain.run().flatMap(quiescent -> {
      closing = true;
      int endedByShutdown = spanSide.stopAndEndOpenSpans();
      TailSampler t = tail;
      if (t != null) {
        // After the open spans ended (their roots decided their traces): what is still held is decided now.
        t.close();
      }
      Duration left = Duration.ofNanos(Math.max(0, deadline - timer.now(NANOSECONDS)));
      MediaUploader m = media;
      // Media gets half of what is left, so that spans whose media is given up on still go out with placeholders.
      Mono<Boolean> mediaShutdown = m == null ? Mono.just(true) : m.shutdown(left.dividedBy(2));
      return Mono.zip(p.shutdown(left), s.shutdown(left), mediaShutdown)
          .map(done -> done.getT1() && done.getT2() && done.getT3())
          .map(completed -> {
            // Before the result is out, so that a caller of close() finds the hook gone.
            removeShutdownHook();
            FlushResult result = new FlushResult(completed, metrics.snapshot());
            reportShutdown(result, endedByShutdown, spanSide.abandoned());
            return result;
          });
    });
  }

  /** The one summary of what shutdown could not deliver as the application meant it, when there is any. */
  private void reportShutdown(FlushResult result, int endedByShutdown, long abandoned) {
    TracerStats stats = result.stats();
    long spansAfterClose = stats.droppedAfterClose();
    long scoresAfterClose = stats.scores().droppedAfterClose();
    droppedAfterCloseReported = spansAfterClose + scoresAfterClose;
    shutdownReported = true;
    if (endedByShutdown == 0 && spansAfterClose == 0 && scoresAfterClose == 0 && abandoned == 0) {
      log.debug("fluxtrace: shut down: {}", stats);
      return;
    }
    log.warn("fluxtrace: shut down after {}: {} span(s) still open were ended by shutdown (level WARNING) and"
            + " delivered with the rest; {} span(s) and {} score(s) ended after close were dropped; {} span(s) were"
            + " never ended and were garbage-collected. Exported {} span(s), {} failed ({} at the shutdown"
            + " deadline); settled in time: {}", config.lifecycle().shutdownTimeout(), endedByShutdown, spansAfterClose,
        scoresAfterClose, abandoned, stats.exported(), stats.failed(),
        stats.failed(FailureReason.SHUTDOWN_DEADLINE), result.completed());
  }

  /** Spans or scores dropped after shutdown's summary: logged too, at most once a minute, with the counts. */
  private void reportLateDrops() {
    if (!shutdownReported) {
      return;
    }
    long spansAfterClose = metrics.droppedAfterClose.sum();
    long scoresAfterClose = metrics.scores.droppedAfterClose.sum();
    long total = spansAfterClose + scoresAfterClose;
    if (total > droppedAfterCloseReported && lateDropWarnings.tryAcquire()) {
      droppedAfterCloseReported = total;
      log.warn("fluxtrace: {} span(s) and {} score(s) ended or recorded after the tracer was closed have been"
          + " dropped so far (stats().droppedAfterClose())", spansAfterClose, scoresAfterClose);
    }
  }

  /**
   * Blocking {@link #shutdown()}: returns once it has drained and stopped, at the latest when the configured
   * shutdown timeout has passed. Idempotent; never throws for delivery problems (see {@link #stats()}).
   *
   * @throws IllegalStateException when called on a thread Reactor marks non-blocking (use {@link #shutdown()})
   */
  @Override
  public void close() {
    requireBlockingAllowed("close");
    if (spans == null) {
      return;
    }
    try {
      shutdown().block(config.lifecycle().shutdownTimeout().plus(BLOCKING_MARGIN));
    } catch (IllegalStateException e) {
      // Only a timeout of the safety margin above, which shutdown's own deadline makes unreachable in practice.
      log.warn("fluxtrace: close() gave up waiting for shutdown: {}", e.getMessage());
    }
  }

  /** A snapshot of the tracer's exact counters. */
  public TracerStats stats() {
    return metrics.snapshot();
  }

  private static void requireBlockingAllowed(String method) {
    if (Schedulers.isInNonBlockingThread()) {
      throw new IllegalStateException("fluxtrace: " + method + "() blocks and cannot run on the non-blocking"
          + " thread " + Thread.currentThread().getName() + "; use flush() (or shutdown()) and compose the Mono"
          + " instead");
    }
  }

  @Override
  public String toString() {
    return "FluxTracer{" + config + '}';
  }
}
