package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TracerStats;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.time.Duration;
import java.util.Collection;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Benchmark 5a (a harness, not JMH): the memory one queued span holds, for a typical generation span (model, usage,
 * a 2 KB prompt and a 2 KB completion, distinct per span as real requests are) while the exporter is blocked, so
 * that every ended span stays queued.
 *
 * <ul>
 *   <li>fluxtrace's own accounting: the pipeline's estimated queued bytes per span (what {@code maxQueuedBytes}
 *       bounds);
 *   <li>heap: the live heap after full GCs with the spans queued, minus the live heap before, per span;
 *   <li>the same heap measure for OpenTelemetry's {@code BatchSpanProcessor}, whose queue holds the live spans.
 * </ul>
 *
 * <p>Then the byte bound against the heap, per kind of text ({@link Content.TextKind}: ASCII, Latin-1, CJK, emoji)
 * and size (100 chars, 2 KB, 100,000 chars for input and output each): generation spans are ended until the
 * pipeline refuses one for lack of bytes ({@code maxQueuedBytes} of {@code boundMiB}), and the live heap growth is
 * set against the pipeline's estimate, {@code queuedBytes}. Once with an exporter that never completes (what the
 * queued spans hold), once with the backend down as in an outage (connection refused: the batches in flight also
 * hold their encoded bodies while they wait to retry), and once down without gzip (CJK, 100,000 chars). With the
 * exporter blocked the heap must stay within 1.1x of the estimate (the bound is a bound) and the estimate within
 * 1.1x of the heap (it does not overcount). With {@code -Dfluxtrace.histogram=true} the largest classes of the live
 * heap are printed for each case.
 *
 * <p>Usage: {@code java -Xmx1g -cp benchmarks.jar io.fluxtrace.benchmarks.QueuedSpanMemory [spans] [boundMiB]}.
 * Exits non-zero if a span was lost, a figure is implausible or a heap-to-estimate ratio is out of its range.
 */
public final class QueuedSpanMemory {

  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  private static final AttributeKey<Long> TOTAL_TOKENS = AttributeKey.longKey("gen_ai.usage.total_tokens");

  private QueuedSpanMemory() {}

  /** How far the heap may exceed the estimate, and the estimate the heap. */
  static final double MAX_RATIO = 1.10;
  /** Chars of input and of output per span: small, typical, large. */
  static final int[] TEXT_SIZES = {100, Content.TYPICAL_CHARS, 100_000};

  public static void main(String[] args) throws Exception {
    int spans = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    long boundMiB = args.length > 1 ? Long.parseLong(args[1]) : 32;
    String prompt = Content.text(Content.TYPICAL_CHARS, 0);
    String completion = Content.text(Content.TYPICAL_CHARS, 1);
    System.out.printf("queued span memory: %,d generation spans, input and output of %,d ASCII chars each,"
        + " distinct per span; JDK %s, -Xmx %s%n", spans, Content.TYPICAL_CHARS, Runtime.version(),
        Heap.mib(Heap.maxBytes()));

    // Warm up both once, so that class loading and JIT state do not count as queued spans.
    fluxtrace(2_000, prompt, completion, false);
    otel(2_000, prompt, completion, false);

    long[] fluxtrace = fluxtrace(spans, prompt, completion, true);
    long otel = otel(spans, prompt, completion, true);

    System.out.printf("RESULT fluxtrace accounting: %,d bytes per queued span (pipeline's estimate, bounded by"
        + " maxQueuedBytes)%n", fluxtrace[0]);
    System.out.printf("RESULT fluxtrace heap:       %,d bytes per queued span%n", fluxtrace[1]);
    System.out.printf("RESULT opentelemetry heap:   %,d bytes per queued span%n", otel);
    System.out.printf("RESULT ratio fluxtrace/opentelemetry heap: %.2f; fluxtrace heap/accounting: %.2f%n",
        fluxtrace[1] / (double) otel, fluxtrace[1] / (double) fluxtrace[0]);
    if (fluxtrace[1] <= 0 || otel <= 0 || fluxtrace[0] <= 0) {
      System.out.println("FAILED: implausible figures");
      System.exit(1);
    }
    if (!textKinds(boundMiB << 20)) {
      System.exit(1);
    }
  }

  /** Where the spans of the byte-bound measurement go. */
  enum Backend {
    /** An exporter that never completes: every span stays queued, nothing is encoded. */
    BLOCKED,
    /** The OTLP exporter to a port nothing listens on, gzip on (the default). */
    DOWN,
    /** The same without gzip. */
    DOWN_NO_GZIP
  }

  /** The byte bound against the heap for each kind and size of text; false if a ratio is out of range. */
  static boolean textKinds(long bound) throws Exception {
    System.out.printf("%nbyte bound vs heap: generation spans (input and output of N chars each, distinct per span)"
        + " ended until maxQueuedBytes (%s) refuses one; heap/estimate with the exporter blocked (only the queued"
        + " spans), and with the backend down (connection refused: the two batches in flight also hold their"
        + " encoded, gzipped bodies, waiting to retry)%n", Heap.mib(bound));
    int port = OutageHarness.closedPort();
    // Warm-up: classes, JIT, the first connection attempts.
    boundVersusHeap(port, Backend.BLOCKED, Content.TextKind.ASCII, 100, bound / 4);
    boundVersusHeap(port, Backend.DOWN, Content.TextKind.ASCII, 100, bound / 4);
    System.out.printf("%-8s %8s %8s %14s %12s %9s %12s %9s%n", "text", "chars", "spans", "estimate/span",
        "heap/span", "heap/est", "down: heap", "heap/est");
    boolean ok = true;
    for (Content.TextKind kind : Content.TextKind.values()) {
      for (int chars : TEXT_SIZES) {
        long[] blocked = boundVersusHeap(port, Backend.BLOCKED, kind, chars, bound);
        long[] down = boundVersusHeap(port, Backend.DOWN, kind, chars, bound);
        double ratio = blocked[2] / (double) blocked[1];
        double downRatio = down[2] / (double) down[1];
        boolean inRange = ratio <= MAX_RATIO && ratio >= 1 / MAX_RATIO && blocked[3] == 0;
        ok &= inRange;
        System.out.printf("%-8s %,8d %,8d %,14d %,12d %9.3f %,12d %9.3f %s%n", kind, chars, blocked[0], blocked[1],
            blocked[2], ratio, down[2], downRatio, inRange ? "ok" : "OUT OF RANGE");
      }
    }
    long[] noGzip = boundVersusHeap(port, Backend.DOWN_NO_GZIP, Content.TextKind.CJK, 100_000, bound);
    System.out.printf("backend down without gzip (bodies in flight uncompressed), CJK 100,000: %,d spans, estimate"
        + " %,d, heap %,d per span, heap/estimate %.3f%n", noGzip[0], noGzip[1], noGzip[2],
        noGzip[2] / (double) noGzip[1]);
    return ok;
  }

  /** @return spans queued, estimate per span, heap per span, and 1 if the queue changed while measured */
  private static long[] boundVersusHeap(int port, Backend backend, Content.TextKind kind, int chars, long bound)
      throws Exception {
    Sinks.Empty<Void> gate = Sinks.empty();
    FluxTracerBuilder builder = FluxTracer.builder(java.util.Map.of())
        .serviceName("fluxtrace-memory")
        .shutdownHook(false)
        .maxQueuedSpans(1_000_000)
        .maxQueuedBytes(bound)
        .shutdownTimeout(Duration.ofSeconds(1));
    if (backend == Backend.BLOCKED) {
      builder.exporter(batch -> gate.asMono().then(Mono.fromSupplier(() -> ExportResult.success(batch.size()))));
    } else {
      builder.otlpEndpoint("http://127.0.0.1:" + port + "/v1/traces")
          .gzip(backend == Backend.DOWN)
          // The first attempt is refused at once; no retry comes before the measurement is over.
          .initialBackoff(Duration.ofMinutes(5))
          .maxBackoff(Duration.ofMinutes(5));
    }
    FluxTracer tracer = builder.build();
    // Seeds of eight digits: distinct() overwrites only ASCII digits, never half of a surrogate pair.
    String prompt = Content.text(kind, chars, 10_000_000);
    String completion = Content.text(kind, chars, 20_000_000);
    long before = Heap.liveBytes();
    int ended = 0;
    while (tracer.stats().droppedQueueFull() == 0) {
      Span span = tracer.startSpan("generation", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
      span.model(Content.MODEL).input(distinct(prompt, ended));
      span.output(distinct(completion, ended)).usageDetails(Content.USAGE);
      span.end();
      ended++;
    }
    TracerStats full = tracer.stats();
    long after = Heap.liveBytes();
    if (Boolean.getBoolean("fluxtrace.histogram")) {
      System.out.printf("  %s %s %,d chars:%n", backend, kind, chars);
      histogram();
    }
    TracerStats still = tracer.stats();
    tracer.close();
    long queued = full.queuedSpans();
    return new long[] {queued, full.queuedBytes() / queued, (after - before) / queued,
        still.queuedSpans() == queued ? 0 : 1};
  }

  /** {@code base} with its first digits replaced by {@code seed}: a new String of the same length and kind. */
  static String distinct(String base, long seed) {
    String prefix = Long.toString(seed);
    return prefix.length() >= base.length() ? base : prefix + base.substring(prefix.length());
  }

  /** The classes that take the most live heap now (a full GC first), from the JVM's own class histogram. */
  private static void histogram() throws Exception {
    String text = (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
        new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    text.lines().limit(16).forEach(line -> System.out.println("  | " + line));
  }

  /** Unique content of about the typical size: a new String per span, as a real request's prompt is. */
  static String unique(String base, long seed) {
    return seed + " " + base;
  }

  /** @return accounting bytes per span and heap bytes per span */
  private static long[] fluxtrace(int spans, String prompt, String completion, boolean report) {
    Sinks.Empty<Void> gate = Sinks.empty();
    SpanExporter blocked = batch -> gate.asMono().then(Mono.fromSupplier(() -> ExportResult.success(batch.size())));
    FluxTracer tracer = Peers.fluxtrace()
        .exporter(blocked)
        .maxQueuedSpans(spans + 2 * Peers.BATCH_SIZE)
        .maxQueuedBytes(4L << 30)
        .build();
    long before = Heap.liveBytes();
    for (int i = 0; i < spans; i++) {
      Span span = tracer.startSpan("generation", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
      span.model(Content.MODEL).input(unique(prompt, i));
      span.output(unique(completion, i)).usageDetails(Content.USAGE);
      span.end();
    }
    TracerStats queued = tracer.stats();
    long after = Heap.liveBytes();
    gate.tryEmitEmpty();
    tracer.flushBlocking(Duration.ofSeconds(60));
    TracerStats done = tracer.stats();
    tracer.close();
    if (queued.queuedSpans() != spans || done.exported() != spans) {
      System.out.printf("FAILED: fluxtrace queued %,d and exported %,d of %,d spans%n", queued.queuedSpans(),
          done.exported(), spans);
      System.exit(1);
    }
    long accounting = queued.queuedBytes() / spans;
    long heap = (after - before) / spans;
    if (report) {
      System.out.printf("fluxtrace: %,d spans queued, accounting %s, live heap %s -> %s (+%s)%n", spans,
          Heap.mib(queued.queuedBytes()), Heap.mib(before), Heap.mib(after), Heap.mib(after - before));
    }
    return new long[] {accounting, heap};
  }

  private static long otel(int spans, String prompt, String completion, boolean report) {
    CompletableResultCode gate = new CompletableResultCode();
    io.opentelemetry.sdk.trace.export.SpanExporter blocked = new io.opentelemetry.sdk.trace.export.SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> batch) {
        return gate;
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(BatchSpanProcessor.builder(blocked)
            .setMaxExportBatchSize(Peers.BATCH_SIZE)
            .setMaxQueueSize(spans + 2 * Peers.BATCH_SIZE)
            .setExporterTimeout(Duration.ofMinutes(10))
            .build())
        .build();
    Tracer tracer = provider.get("fluxtrace-benchmarks");
    long before = Heap.liveBytes();
    for (int i = 0; i < spans; i++) {
      io.opentelemetry.api.trace.Span span = tracer.spanBuilder("generation").startSpan();
      span.setAttribute(MODEL, Content.MODEL);
      span.setAttribute(OtelReactor.INPUT, unique(prompt, i));
      span.setAttribute(OtelReactor.OUTPUT, unique(completion, i));
      span.setAttribute(INPUT_TOKENS, 512L);
      span.setAttribute(OUTPUT_TOKENS, 480L);
      span.setAttribute(TOTAL_TOKENS, 992L);
      span.end();
    }
    long after = Heap.liveBytes();
    gate.succeed();
    provider.shutdown().join(60, java.util.concurrent.TimeUnit.SECONDS);
    long heap = (after - before) / spans;
    if (report) {
      System.out.printf("opentelemetry: %,d spans queued, live heap %s -> %s (+%s)%n", spans, Heap.mib(before),
          Heap.mib(after), Heap.mib(after - before));
    }
    return heap;
  }
}
