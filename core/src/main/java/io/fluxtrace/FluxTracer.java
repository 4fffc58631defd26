package io.fluxtrace;

import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.ContentEncoder;
import io.fluxtrace.internal.Exporters;
import io.fluxtrace.internal.NonRecordingSpan;
import io.fluxtrace.internal.RecordingSpan;
import io.fluxtrace.internal.SpanDataFactory;
import io.fluxtrace.internal.SpanEndListener;
import io.fluxtrace.internal.SpanPipeline;
import io.fluxtrace.internal.TracerConfig;
import io.fluxtrace.internal.TracerMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The tracer: starts spans and delivers them, once ended, through a bounded background pipeline. Build one per
 * application with {@link #builder()} and keep it for the application's lifetime; it owns the HTTP connection
 * pool and the pipeline. Thread-safe.
 *
 * <p>Reactor applications use it through the traced operators of {@code io.fluxtrace.reactor}, which keep the
 * current span in the Reactor Context. Everything that can be done here is non-blocking except the two
 * documented bridges for non-reactive callers, {@link #flushBlocking(Duration)} and {@link #close()}, which
 * refuse to run on a thread Reactor marks non-blocking.
 */
public final class FluxTracer implements AutoCloseable {

  private static final Logger log = Loggers.getLogger(FluxTracer.class);

  private final TracerConfig config;
  private final TracerMetrics metrics = new TracerMetrics();
  private final @Nullable SpanPipeline pipeline;
  private final SpanDataFactory spanDataFactory;
  private final SpanEndListener endListener;
  private final long sampleThreshold;
  private final AtomicBoolean closed = new AtomicBoolean();

  private FluxTracer(TracerConfig config) {
    this.config = config;
    this.spanDataFactory = new SpanDataFactory(
        new ContentEncoder(config.objectMapper(), config.masker(), config.maxValueBytes(), metrics), metrics);
    this.sampleThreshold = (long) (config.sampleRate() * Long.MAX_VALUE);
    if (config.enabled()) {
      SpanExporter exporter = Exporters.create(config, metrics);
      this.pipeline = new SpanPipeline(config, metrics, exporter);
    } else {
      this.pipeline = null;
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
  }

  static FluxTracer create(TracerConfig config) {
    FluxTracer tracer = new FluxTracer(config);
    if (config.enabled()) {
      log.debug("fluxtrace: tracer started with {}", config);
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
    SpanContext context = new SpanContext(traceId, TraceIds.newSpanId(), false, sampled);
    if (!sampled) {
      return new NonRecordingSpan(context);
    }
    metrics.spansStarted.increment();
    return new RecordingSpan(
        endListener,
        config.clock(),
        context,
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
    SpanPipeline p = pipeline;
    if (p == null) {
      return;
    }
    SpanData data;
    try {
      data = spanDataFactory.toSpanData(span);
    } catch (Throwable t) {
      // A bug of ours must not reach the application; count the span as failed instead.
      metrics.failed(FailureReason.INTERNAL_ERROR, 1);
      log.warn("fluxtrace: could not record span '{}': {}", span.name(), t.toString());
      return;
    }
    p.offer(data);
  }

  /**
   * Completes when every span ended before this call has been acknowledged by the backend or has definitively
   * failed. Never errors. Flushing a disabled or closed tracer completes at once.
   */
  public Mono<FlushResult> flush() {
    SpanPipeline p = pipeline;
    if (p == null) {
      return Mono.fromSupplier(() -> new FlushResult(true, metrics.snapshot()));
    }
    return p.flush();
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

  /** Flushes with the configured shutdown timeout, then stops; later spans are counted as dropped. Idempotent. */
  public Mono<FlushResult> shutdown() {
    SpanPipeline p = pipeline;
    if (p == null || !closed.compareAndSet(false, true)) {
      return flush();
    }
    return p.shutdown(config.shutdownTimeout());
  }

  /**
   * Flushes, waiting at most the configured shutdown timeout, then stops. Idempotent.
   *
   * @throws IllegalStateException when called on a thread Reactor marks non-blocking (use {@link #shutdown()})
   */
  @Override
  public void close() {
    requireBlockingAllowed("close");
    shutdown().block();
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
