package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.FailureReason;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.TracerStats;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The tracer's health, the same on every Spring Boot line (each line has its own indicator type around it).
 *
 * <ul>
 *   <li>{@code UP} while exports succeed, or before any export settled;
 *   <li>{@code OUT_OF_SERVICE}, with the reason, when exports settled since the previous check and none succeeded
 *       while some were refused with 401/403 (wrong keys) or failed after every retry or a timeout (endpoint
 *       unreachable);
 *   <li>{@code UNKNOWN} when tracing is off.
 * </ul>
 *
 * <p>OUT_OF_SERVICE, not DOWN: the application itself works; only its traces are not delivered. Spring Boot's
 * liveness and readiness groups do not include this indicator, so a Langfuse outage never restarts the service or
 * takes it out of a load balancer; the aggregate {@code /actuator/health} shows it (503 by default). Nothing settled
 * since the previous check keeps the previous status, so an idle service does not flip back to UP.
 */
public final class FluxtraceHealth {

  /** Statuses by name, as both Spring Boot lines spell them. */
  public static final String UP = "UP";
  public static final String OUT_OF_SERVICE = "OUT_OF_SERVICE";
  public static final String UNKNOWN = "UNKNOWN";

  /** A check's outcome. */
  public record Result(String status, Map<String, Object> details) {}

  private record State(TracerStats stats, String status, @Nullable String reason) {}

  private final FluxTracer tracer;
  private final @Nullable String endpointHost;
  private final AtomicReference<@Nullable State> last = new AtomicReference<>();

  public FluxtraceHealth(FluxTracer tracer, @Nullable String endpointHost) {
    this.tracer = tracer;
    this.endpointHost = endpointHost;
  }

  /** Checks now; non-blocking and cheap (a snapshot of counters). */
  public Result check() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("enabled", tracer.isEnabled());
    if (endpointHost != null) {
      details.put("endpoint", endpointHost);
    }
    if (!tracer.isEnabled()) {
      details.put("reason", "tracing is off (no keys, or fluxtrace.enabled=false)");
      return new Result(UNKNOWN, details);
    }
    TracerStats now = tracer.stats();
    State previous = last.get();
    State next = next(previous, now);
    // Concurrent checks: whichever wins, each reports a state computed from a consistent pair of snapshots.
    last.compareAndSet(previous, next);
    details.put("exported", now.exported());
    details.put("failed", now.failedTotal());
    details.put("dropped", now.dropped());
    details.put("queued", now.queuedSpans());
    details.put("scoresExported", now.scores().exported());
    details.put("scoresFailed", now.scores().failedTotal());
    if (next.reason() != null) {
      details.put("reason", next.reason());
    }
    return new Result(next.status(), details);
  }

  private static State next(@Nullable State previous, TracerStats now) {
    TracerStats before = previous == null ? null : previous.stats();
    long exported = delta(now, before, Kind.EXPORTED);
    long unauthorized = delta(now, before, Kind.UNAUTHORIZED);
    long unreachable = delta(now, before, Kind.UNREACHABLE);
    if (exported > 0) {
      return new State(now, UP, null);
    }
    if (unauthorized > 0) {
      return new State(now, OUT_OF_SERVICE, "the backend refused the keys (401/403) for " + unauthorized
          + " spans or scores: check fluxtrace.public-key and fluxtrace.secret-key");
    }
    if (unreachable > 0) {
      return new State(now, OUT_OF_SERVICE, unreachable + " spans or scores failed after every retry or timed out:"
          + " the endpoint is unreachable or overloaded");
    }
    return previous == null ? new State(now, UP, null) : new State(now, previous.status(), previous.reason());
  }

  private enum Kind { EXPORTED, UNAUTHORIZED, UNREACHABLE }

  private static long delta(TracerStats now, @Nullable TracerStats before, Kind kind) {
    return figure(now, kind) - (before == null ? 0 : figure(before, kind));
  }

  private static long figure(TracerStats s, Kind kind) {
    switch (kind) {
      case EXPORTED:
        return s.exported() + s.scores().exported();
      case UNAUTHORIZED:
        return s.failed(FailureReason.UNAUTHORIZED) + s.scores().failed(FailureReason.UNAUTHORIZED);
      default:
        return s.failed(FailureReason.RETRIES_EXHAUSTED) + s.failed(FailureReason.TIMEOUT)
            + s.scores().failed(FailureReason.RETRIES_EXHAUSTED) + s.scores().failed(FailureReason.TIMEOUT);
    }
  }
}
