package io.fluxtrace;

import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.ContentEncoder;
import io.fluxtrace.internal.Exporters;
import io.fluxtrace.internal.NonRecordingSpan;
import io.fluxtrace.internal.RecordingSpan;
import io.fluxtrace.internal.SafeLogger;
import io.fluxtrace.internal.ScoreDataFactory;
import io.fluxtrace.internal.ScoreRecorder;
import io.fluxtrace.internal.SpanDataFactory;
import io.fluxtrace.internal.SpanEndListener;
import io.fluxtrace.internal.TracerConfig;
import io.fluxtrace.internal.TracerMetrics;
import io.fluxtrace.internal.pipeline.BatchingPipeline;
import io.fluxtrace.internal.pipeline.SpanPipeline;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
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
 * delivers what is left within the configured shutdown timeout and stops. Unless turned off with
 * {@link FluxTracerBuilder#shutdownHook(boolean)}, a JVM shutdown hook does the same at exit for a tracer that
 * was not closed.
 */
public final class FluxTracer implements AutoCloseable {

  /** How much longer than the shutdown timeout the blocking bridges wait before they give up on shutdown. */
  private static final Duration BLOCKING_MARGIN = Duration.ofSeconds(5);

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = SafeLogger.of(FluxTracer.class);

  private final TracerConfig config;
  private final TracerMetrics metrics = new TracerMetrics();
  private final @Nullable BatchingPipeline<SpanData> pipeline;
  private final SpanDataFactory spanDataFactory;
  private final @Nullable ScoreRecorder scores;
  private final SpanEndListener endListener;
  private final long sampleThreshold;
  private final AtomicReference<@Nullable Mono<FlushResult>> shutdown = new AtomicReference<>();
  private final @Nullable Thread shutdownHook;

  private FluxTracer(TracerConfig config) {
    this.config = config;
    ContentEncoder encoder =
        new ContentEncoder(config.objectMapper(), config.masker(), config.maxValueBytes(), metrics);
    this.spanDataFactory = new SpanDataFactory(encoder, metrics);
    this.sampleThreshold = (long) (config.sampleRate() * Long.MAX_VALUE);
    if (config.enabled()) {
      // One per tracer: span and score export share its HTTP transport (event loop, pool, TLS, proxy).
      Exporters exporters = new Exporters(config);
      SpanExporter exporter = exporters.spanExporter(metrics);
      this.pipeline = SpanPipeline.create(config, metrics, exporter);
      this.scores = new ScoreRecorder(config, metrics.scores,
          new ScoreDataFactory(encoder, config.clock(), config.environment()), exporters);
    } else {
      this.pipeline = null;
      this.scores = null;
    }
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
    this.shutdownHook = pipeline != null && config.shutdownHook() ? registerShutdownHook() : null;
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
      FlushResult result = shutdown().block(config.shutdownTimeout().plus(BLOCKING_MARGIN));
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
    return pipeline != null;
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
    if (pipeline == null) {
      return NonRecordingSpan.DISABLED;
    }
    String traceId;
    boolean sampled;
    if (parent == null) {
      traceId = TraceIds.newTraceId();
      sampled = isSampled(traceId);
    } else {
      traceId = parent.traceId();
      sampled = parent.sampled();
    }
    String spanId = TraceIds.newSpanId();
    if (!sampled) {
      return new NonRecordingSpan(new SpanContext(traceId, spanId, false, false));
    }
    metrics.spansStarted.increment();
    return new RecordingSpan(
        endListener,
        config.clock(),
        traceId,
        spanId,
        parent == null ? null : parent.spanId(),
        parent != null && parent.remote(),
        name == null || name.isBlank() ? "unnamed" : name,
        type == null ? ObservationType.SPAN : type,
        config.clock().nowEpochNanos(),
        attributes == null ? TraceAttributes.EMPTY : attributes);
  }

  /** Whether a trace with this id is recorded: decided from the id alone, so every span of it agrees. */
  public boolean isSampled(String traceId) {
    if (config.sampleRate() >= 1.0) {
      return true;
    }
    if (config.sampleRate() <= 0.0) {
      return false;
    }
    return (TraceIds.lowBits(traceId) >>> 1) < sampleThreshold;
  }

  private void spanEnded(RecordingSpan span) {
    metrics.spansEnded.increment();
    BatchingPipeline<SpanData> p = pipeline;
    if (p == null) {
      return;
    }
    if (p.isClosed()) {
      // Saves the conversion; the pipeline would count it the same way.
      metrics.droppedAfterClose.increment();
      return;
    }
    if (p.refuseIfFull()) {
      // During an outage nearly every span is dropped: not encoding its content first keeps that cheap.
      return;
    }
    SpanData data;
    try {
      data = spanDataFactory.toSpanData(span);
    } catch (Throwable t) {
      // A bug of ours must not reach the application; count the span as failed instead.
      metrics.failed(FailureReason.INTERNAL_ERROR, 1);
      log.warn("fluxtrace: could not record span '{}': {}", span.name(), t.getClass().getName());
      return;
    }
    p.offer(data);
  }

  /**
   * Completes when every span ended and every score recorded before this call has been acknowledged by the
   * backend or has definitively failed, however many exports are in flight and in whatever order they complete.
   * Never errors. Flushing a disabled tracer, or one whose shutdown has finished, completes at once. Nothing
   * happens until subscribed; the result is signalled on the export scheduler, so move heavy work elsewhere with {@code publishOn}.
   */
  public Mono<FlushResult> flush() {
    BatchingPipeline<SpanData> p = pipeline;
    ScoreRecorder s = scores;
    if (p == null || s == null) {
      return Mono.fromSupplier(() -> new FlushResult(true, metrics.snapshot()));
    }
    return Mono.zip(p.flush(), s.flush(), Boolean::logicalAnd)
        .map(completed -> new FlushResult(completed, metrics.snapshot()));
  }

  /**
   * Records a score of a trace, an observation or a session, to be delivered with the same guarantees as spans:
   * never blocks, never throws once the score is built (validation happens in {@link Score.Builder#build()}),
   * bounded and counted ({@link TracerStats#scores()}), and included in {@link #flush()}, {@link #shutdown()} and
   * the shutdown hook. The comment and metadata are masked now, on the calling thread, by the tracer's
   * {@link ContentMasker}. A disabled tracer ignores scores; scores are not sampled (the caller chose the trace).
   *
   * <p>Scores go to Langfuse's ingestion API, or to the configured
   * {@link FluxTracerBuilder#scoreExporter score exporter}. A tracer with an OTLP endpoint or a custom span
   * exporter and no score exporter has nowhere to send them: they are counted as
   * {@link ScoreStats#droppedNoExporter()} and one warning is logged.
   */
  public void score(Score score) {
    Objects.requireNonNull(score, "score");
    ScoreRecorder s = scores;
    if (s != null) {
      s.record(score);
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
   * Stops the tracer: spans ended (and scores recorded) from now on are counted as dropped after close; the spans
   * ended and scores recorded before are delivered within the configured shutdown timeout, and those still
   * undelivered then are counted as failed
   * ({@link FailureReason#SHUTDOWN_DEADLINE}) and reported once in the log. Then the exporter is shut down and the
   * export thread released. Never errors; {@link FlushResult#completed()} says whether everything was settled
   * in time. Idempotent: every call returns the same outcome. Nothing happens until subscribed.
   */
  public Mono<FlushResult> shutdown() {
    Mono<FlushResult> existing = shutdown.get();
    if (existing != null) {
      return existing;
    }
    BatchingPipeline<SpanData> p = pipeline;
    ScoreRecorder s = scores;
    Mono<FlushResult> created = p == null || s == null
        ? flush()
        : Mono.zip(p.shutdown(), s.shutdown(), Boolean::logicalAnd)
            .map(completed -> {
              // Before the result is out, so that a caller of close() finds the hook gone.
              removeShutdownHook();
              return new FlushResult(completed, metrics.snapshot());
            })
            .cache();
    return shutdown.compareAndSet(null, created) ? created : Objects.requireNonNull(shutdown.get());
  }

  /**
   * Blocking {@link #shutdown()}: returns when the remaining spans are delivered or the configured shutdown
   * timeout has passed. Idempotent; never throws for delivery problems (see {@link #stats()}).
   *
   * @throws IllegalStateException when called on a thread Reactor marks non-blocking (use {@link #shutdown()})
   */
  @Override
  public void close() {
    requireBlockingAllowed("close");
    if (pipeline == null) {
      return;
    }
    try {
      shutdown().block(config.shutdownTimeout().plus(BLOCKING_MARGIN));
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
