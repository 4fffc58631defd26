package io.fluxtrace.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;

/** Heap figures for the memory harnesses. */
final class Heap {

  private Heap() {}

  /** The heap in use after full collections: what is reachable now, in bytes. */
  static long liveBytes() {
    long previous = Long.MAX_VALUE;
    long used = usedBytes();
    // Collect until the figure settles: one full GC may leave finalizable or soft garbage for the next.
    for (int i = 0; i < 5 && used < previous; i++) {
      previous = used;
      System.gc();
      pause(50);
      used = usedBytes();
    }
    return Math.min(previous, used);
  }

  /** The heap in use now, garbage included. */
  static long usedBytes() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The heap that was in use right after the most recent collection, summed over the heap pools. */
  static long afterLastGcBytes() {
    long total = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        MemoryUsage usage = pool.getCollectionUsage();
        if (usage != null) {
          total += usage.getUsed();
        }
      }
    }
    return total;
  }

  /** The maximum heap (-Xmx). */
  static long maxBytes() {
    return Runtime.getRuntime().maxMemory();
  }

  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  /** Harness code only (never on a Reactor thread): lets a collection or the pipeline settle. */
  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
