package io.fluxtrace.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the CPU of exporting goes, per span, for each variant of {@link ExportThroughputBenchmark} (fluxtrace with
 * JSON and with protobuf, OpenTelemetry's exporter, and the bare ceilings that post pre-encoded bodies): the whole
 * process's CPU time per span, and the share of each group of threads (the thread that ends the spans, fluxtrace's
 * export threads, the HTTP client's event loop, the loopback receiver, the rest: garbage collection and the JIT).
 * CPU time, unlike throughput, holds on a loaded machine; on 2 cores, throughput can be at most about
 * {@code 2 cores / CPU per span}, so this says what bounds export and which part is fluxtrace's own.
 *
 * <pre>java [-Dvariants=fluxtraceProtobuf,otel] -cp benchmarks/target/benchmarks.jar io.fluxtrace.benchmarks.ExportCpuHarness [rounds]</pre>
 *
 * <p>Each round is one benchmark operation ({@value ExportThroughputBenchmark#SPANS} spans, then a blocking flush);
 * rounds alternate between the variants after a warm-up of the same length; medians of the rounds.
 */
public final class ExportCpuHarness {

  /** The variants measured; {@code -Dvariants=a,b} picks some of them. */
  private static final String[] VARIANTS = System.getProperty("variants",
      "fluxtrace,fluxtraceProtobuf,otel,ceiling,ceilingProtobuf").split(",");
  private static final String[] GROUPS = {"caller", "export", "http client", "receiver", "other"};

  private ExportCpuHarness() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    ExportThroughputBenchmark benchmark = new ExportThroughputBenchmark();
    benchmark.compression = "none";
    benchmark.contentChars = 256;
    benchmark.setUp();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long[][][] samples = new long[VARIANTS.length][GROUPS.length][rounds];
    long[][] walls = new long[VARIANTS.length][rounds];
    try {
      for (int round = -rounds; round < rounds; round++) { // negative rounds warm up
        for (int v = 0; v < VARIANTS.length; v++) {
          String variant = VARIANTS[v];
          Map<String, Long> before = groupCpu(threads);
          long processBefore = os.getProcessCpuTime();
          long start = System.nanoTime();
          run(benchmark, variant);
          long wall = System.nanoTime() - start;
          long process = os.getProcessCpuTime() - processBefore;
          Map<String, Long> after = groupCpu(threads);
          if (round >= 0) {
            long[][] s = samples[v];
            long javaThreads = 0;
            for (int g = 0; g < GROUPS.length - 1; g++) {
              long used = after.getOrDefault(GROUPS[g], 0L) - before.getOrDefault(GROUPS[g], 0L);
              s[g][round] = used;
              javaThreads += used;
            }
            s[GROUPS.length - 1][round] = Math.max(0, process - javaThreads);
            walls[v][round] = wall;
          }
        }
      }
    } finally {
      benchmark.tearDown();
    }
    int spans = ExportThroughputBenchmark.SPANS;
    System.out.printf("CPU per span, ns (median of %d rounds of %,d spans, content %d chars, no compression)%n", rounds,
        spans, benchmark.contentChars);
    System.out.printf("%-18s %10s %10s", "variant", "all CPU", "wall");
    for (String group : GROUPS) {
      System.out.printf(" %12s", group);
    }
    System.out.println();
    for (int v = 0; v < VARIANTS.length; v++) {
      long[][] s = samples[v];
      long total = 0;
      long[] medians = new long[GROUPS.length];
      for (int g = 0; g < GROUPS.length; g++) {
        medians[g] = median(s[g]) / spans;
        total += medians[g];
      }
      System.out.printf("%-18s %,10d %,10d", VARIANTS[v], total, median(walls[v]) / spans);
      for (long m : medians) {
        System.out.printf(" %,12d", m);
      }
      System.out.println();
    }
  }

  private static void run(ExportThroughputBenchmark benchmark, String variant) {
    switch (variant) {
      case "fluxtrace" -> benchmark.fluxtrace();
      case "fluxtraceProtobuf" -> benchmark.fluxtraceProtobuf();
      case "otel" -> benchmark.otel();
      case "ceiling" -> benchmark.ceiling();
      case "ceilingProtobuf" -> benchmark.ceilingProtobuf();
      default -> throw new IllegalArgumentException(variant);
    }
  }

  /** CPU time so far per group of live threads, by thread name. */
  private static Map<String, Long> groupCpu(ThreadMXBean threads) {
    Map<String, Long> groups = new LinkedHashMap<>();
    long current = Thread.currentThread().getId();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu < 0) {
        continue;
      }
      String name = info.getThreadName();
      String group;
      if (info.getThreadId() == current) {
        group = "caller";
      } else if (name.startsWith("fluxtrace-spans-export") || name.startsWith("BatchSpanProcessor")) {
        group = "export";
      } else if (name.startsWith("fluxtrace-http") || name.startsWith("OkHttp")) {
        group = "http client";
      } else if (name.startsWith("reactor-http")) {
        // The loopback receiver's event loops; the ceiling's client shares Reactor Netty's default loops too.
        group = "receiver";
      } else {
        group = "other";
      }
      groups.merge(group, cpu, Long::sum);
    }
    return groups;
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
