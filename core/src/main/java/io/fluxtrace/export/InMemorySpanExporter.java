package io.fluxtrace.export;

import io.fluxtrace.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * Keeps exported spans in memory, for application tests: build the tracer with
 * {@code FluxTracer.builder().exporter(exporter)}, run the code under test, {@code flush()}, then inspect
 * {@link #spans()}. Thread-safe.
 */
public final class InMemorySpanExporter implements SpanExporter {

  private final ConcurrentLinkedQueue<SpanData> spans = new ConcurrentLinkedQueue<>();

  private InMemorySpanExporter() {}

  /** A new, empty exporter. */
  public static InMemorySpanExporter create() {
    return new InMemorySpanExporter();
  }

  @Override
  public Mono<ExportResult> export(List<SpanData> batch) {
    spans.addAll(batch);
    return Mono.just(ExportResult.success(batch.size()));
  }

  /** Every span exported so far, in export order. */
  public List<SpanData> spans() {
    return new ArrayList<>(spans);
  }

  /** The spans exported so far that belong to {@code traceId}. */
  public List<SpanData> spansOfTrace(String traceId) {
    return spans.stream().filter(s -> s.traceId().equals(traceId)).collect(Collectors.toList());
  }

  /** Forgets every span exported so far. */
  public void reset() {
    spans.clear();
  }
}
