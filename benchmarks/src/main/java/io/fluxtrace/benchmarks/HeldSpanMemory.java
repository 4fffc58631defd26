package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SamplingStats;
import io.fluxtrace.Span;
import io.fluxtrace.TailSampling;
import io.fluxtrace.TraceAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * A harness (not JMH): the memory one span held by tail sampling retains, for a typical generation span (model,
 * usage, a 2 KB prompt and a 2 KB completion, distinct per span), set against the hold's own estimate
 * ({@code heldBytes}, what {@code maxHeldBytes} bounds, the pipeline's size estimate).
 *
 * <p>At rate 0 every trace is held. The roots of {@code traces} traces are started and kept open (live heap: the
 * open roots and their held-trace records, per trace), then one generation child of each is ended, so that it is
 * held until its root ends (live heap growth per held span). Finally the roots end, the traces are sampled out and
 * the hold must be empty.
 *
 * <p>Usage: {@code java -Xmx1g -cp benchmarks.jar io.fluxtrace.benchmarks.HeldSpanMemory [traces]}. Exits non-zero
 * if a figure is implausible, the heap per held span exceeds the estimate by more than
 * {@link QueuedSpanMemory#MAX_RATIO}, or the hold is not empty at the end.
 */
public final class HeldSpanMemory {

  private HeldSpanMemory() {}

  public static void main(String[] args) {
    int traces = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    System.out.printf("held span memory: %,d traces held (rate 0, tail sampling), one generation span each with input"
        + " and output of %,d ASCII chars, distinct per span; JDK %s, -Xmx %s%n", traces, Content.TYPICAL_CHARS,
        Runtime.version(), Heap.mib(Heap.maxBytes()));
    String prompt = Content.text(Content.TYPICAL_CHARS, 0);
    String completion = Content.text(Content.TYPICAL_CHARS, 1);
    run(2_000, prompt, completion); // warm-up: classes and JIT state do not count as held spans
    long[] r = run(traces, prompt, completion);
    System.out.printf("RESULT held span accounting: %,d bytes per held span (the hold's estimate, bounded by"
        + " maxHeldBytes)%n", r[0]);
    System.out.printf("RESULT held span heap:       %,d bytes per held span%n", r[1]);
    System.out.printf("RESULT held trace heap:      %,d bytes per held trace with its root open (the open root"
        + " span and the held-trace record)%n", r[2]);
    double ratio = r[1] / (double) r[0];
    System.out.printf("RESULT ratio heap/accounting per held span: %.2f%n", ratio);
    if (r[0] <= 0 || r[1] <= 0 || r[2] <= 0) {
      System.out.println("FAILED: implausible figures");
      System.exit(1);
    }
    if (ratio > QueuedSpanMemory.MAX_RATIO) {
      System.out.printf("FAILED: the heap per held span exceeds the estimate by more than %.2fx%n",
          QueuedSpanMemory.MAX_RATIO);
      System.exit(1);
    }
    if (r[3] != 0) {
      System.out.println("FAILED: spans still held after every root ended");
      System.exit(1);
    }
  }

  /** @return estimate per held span, heap per held span, heap per held trace, spans left held at the end */
  private static long[] run(int traces, String prompt, String completion) {
    FluxTracer tracer = Peers.fluxtrace()
        .exporter(Peers.acknowledgingExporter())
        .sampleRate(0.0)
        .maxQueuedSpans(4 * traces + 1_024)
        .maxQueuedBytes(8L << 30)
        .tailSampling(TailSampling.builder().maxHeldSpans(2 * traces).maxHeldBytes(4L << 30).build())
        .build();
    long before = Heap.liveBytes();
    List<Span> roots = new ArrayList<>(traces);
    for (int i = 0; i < traces; i++) {
      roots.add(tracer.startSpan("request", ObservationType.CHAIN, null, TraceAttributes.EMPTY));
    }
    long rootsOpen = Heap.liveBytes();
    for (int i = 0; i < traces; i++) {
      Span span = tracer.startSpan("generation", ObservationType.GENERATION, roots.get(i).context(),
          TraceAttributes.EMPTY);
      span.model(Content.MODEL).input(QueuedSpanMemory.unique(prompt, i));
      span.output(QueuedSpanMemory.unique(completion, i)).usageDetails(Content.USAGE);
      span.end();
    }
    long held = Heap.liveBytes();
    SamplingStats sampling = tracer.stats().sampling();
    long heldSpans = sampling.heldSpans();
    long estimate = heldSpans == 0 ? 0 : sampling.heldBytes() / heldSpans;
    roots.forEach(Span::end);
    long left = tracer.stats().sampling().heldSpans();
    tracer.close();
    return new long[] {estimate, heldSpans == 0 ? 0 : (held - rootsOpen) / heldSpans, (rootsOpen - before) / traces,
        left};
  }
}
