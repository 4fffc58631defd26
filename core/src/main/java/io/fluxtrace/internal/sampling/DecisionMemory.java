package io.fluxtrace.internal.sampling;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The decisions of recently decided traces, so that a score recorded after its trace ended (an evaluation) and a
 * span started after its trace was decided follow the decision. A direct-mapped table of trace ids: fixed memory
 * (8 bytes a slot), lock-free, and a newer decision may take the slot of an older one, which is then forgotten
 * (the caller treats a forgotten trace as one it knows nothing about).
 */
final class DecisionMemory {

  enum Decision { KEPT, SAMPLED_OUT, UNKNOWN }

  private final AtomicLongArray slots;
  private final int mask;

  /** @param slots a power of two */
  DecisionMemory(int slots) {
    if (Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two: " + slots);
    }
    this.slots = new AtomicLongArray(slots);
    this.mask = slots - 1;
  }

  void remember(String traceId, boolean kept) {
    long key = key(traceId);
    if (key == 0) {
      return; // indistinguishable from an empty slot; such a trace is merely forgotten
    }
    slots.set(index(key), key | (kept ? 1L : 0L));
  }

  Decision recall(String traceId) {
    long key = key(traceId);
    if (key == 0) {
      return Decision.UNKNOWN;
    }
    long stored = slots.get(index(key));
    if ((stored & ~1L) != key) {
      return Decision.UNKNOWN;
    }
    return (stored & 1L) != 0 ? Decision.KEPT : Decision.SAMPLED_OUT;
  }

  /**
   * The trace id's low 64 bits (random in every conforming generator) without their lowest bit, which holds the
   * decision.
   */
  private static long key(String traceId) {
    if (traceId.length() != 32) {
      return 0;
    }
    try {
      return Long.parseUnsignedLong(traceId, 16, 32, 16) & ~1L;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private int index(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 32) & mask;
  }
}
