package io.fluxtrace.internal.score;

import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The environment and release of the traces this process started recently with their own, so that a score
 * recorded later by trace id ({@code FluxTracer.score}) files under the trace's environment rather than the
 * tracer's default.
 *
 * <p>Direct-mapped: a fixed array indexed by the trace id's low bits, one entry per slot, a newer trace replacing
 * whatever shared its slot. So it is bounded ({@value #SLOTS} entries), lock-free, and costs one array write per
 * such trace root and nothing for traces that use the tracer's defaults; an older trace may be forgotten early, and
 * its scores then take the tracer's environment, as before.
 */
public final class RecentTraces {

  static final int SLOTS = 4096;

  private final AtomicReferenceArray<@Nullable Entry> slots = new AtomicReferenceArray<>(SLOTS);

  /** The environment and release a trace was started with. */
  public record Entry(String traceId, @Nullable String environment, @Nullable String release) {}

  /** Remembers a trace's own environment and release; nothing when it has neither. */
  public void put(String traceId, @Nullable String environment, @Nullable String release) {
    if (environment == null && release == null) {
      return;
    }
    slots.lazySet(slot(traceId), new Entry(traceId, environment, release));
  }

  /** The trace's own environment and release, or null when unknown. */
  public @Nullable Entry get(String traceId) {
    Entry entry = slots.get(slot(traceId));
    return entry != null && entry.traceId().equals(traceId) ? entry : null;
  }

  /** Trace ids are hex; their last three hex digits are random in every conforming generator and seed hash. */
  private static int slot(String traceId) {
    return (traceId.hashCode() ^ (traceId.hashCode() >>> 16)) & (SLOTS - 1);
  }
}
