package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ScoreStats;
import io.fluxtrace.TracerStats;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.context.SmartLifecycle;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Closes the tracer when Spring stops the application, in the phase where it is safe: Spring stops lifecycle beans
 * from the highest phase to the lowest, waiting for each phase. The web server's graceful shutdown
 * ({@code DEFAULT_PHASE - 1024}) lets in-flight requests finish and the server stops ({@code DEFAULT_PHASE - 2048});
 * message listeners and schedulers at the default phase stop too; then this bean ({@link #PHASE}) delivers what the
 * requests traced; only then does {@code ReactorResourceFactory} (phase 0) dispose Reactor Netty's shared resources.
 * The final flush result is logged once.
 */
public final class FluxtraceLifecycle implements SmartLifecycle {

  /** After everything at the default phase and the web server, before Reactor Netty's resources (phase 0). */
  public static final int PHASE = 1024;

  // Per instance: one created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = Loggers.getLogger(FluxtraceLifecycle.class);

  private final FluxTracer tracer;
  private final AtomicBoolean running = new AtomicBoolean();

  public FluxtraceLifecycle(FluxTracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public void start() {
    running.set(true);
  }

  @Override
  public void stop() {
    // Spring calls stop(Runnable); this is only for callers that stop the bean directly.
    tracer.close();
    running.set(false);
  }

  @Override
  public void stop(Runnable callback) {
    if (!running.compareAndSet(true, false) || !tracer.isEnabled()) {
      callback.run();
      return;
    }
    // Asynchronous: Spring waits for the callback (at most spring.lifecycle.timeout-per-shutdown-phase) while other
    // beans of the phase stop; the tracer's own shutdown deadline bounds it.
    tracer.shutdown().subscribe(result -> {
      try {
        report(result);
      } finally {
        callback.run();
      }
    }, error -> {
      log.warn("fluxtrace: closing the tracer failed: {}", error.toString());
      callback.run();
    });
  }

  @Override
  public boolean isRunning() {
    return running.get();
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  void report(FlushResult result) {
    String line = describe(result);
    if (result.isClean()) {
      log.info("fluxtrace: closed: {}", line);
    } else {
      log.warn("fluxtrace: closed with losses: {}", line);
    }
  }

  /** The final counts, without any content or secret. */
  static String describe(FlushResult result) {
    TracerStats s = result.stats();
    ScoreStats scores = s.scores();
    return (result.completed() ? "completed" : "not completed") + ": spans exported " + s.exported() + ", dropped "
        + s.dropped() + ", failed " + s.failedTotal() + (s.failedTotal() == 0 ? "" : " " + s.failed())
        + "; scores exported " + scores.exported() + ", dropped " + scores.dropped() + ", failed "
        + scores.failedTotal();
  }
}
