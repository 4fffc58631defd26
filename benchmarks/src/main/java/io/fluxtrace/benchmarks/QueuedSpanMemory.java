package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
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
 * Usage: {@code java -Xmx1g -cp benchmarks.jar io.fluxtrace.benchmarks.QueuedSpanMemory [spans]}. Exits non-zero if
 * a span was lost or a figure is implausible.
 */
public final class QueuedSpanMemory {

  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  private static final AttributeKey<Long> TOTAL_TOKENS = AttributeKey.longKey("gen_ai.usage.total_tokens");

  private QueuedSpanMemory() {}

  public static void main(String[] args) {
    int spans = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
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
