package io.fluxtrace.internal;

import io.fluxtrace.FailureReason;
import io.fluxtrace.FlushResult;
import io.fluxtrace.SpanData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * INTERIM: exports each span as it is offered. Replaced by the bounded, batching, Sinks.Many-fed pipeline.
 */
public final class SpanPipeline {

  private final TracerMetrics metrics;
  private final SpanExporter exporter;
  private volatile boolean closed;

  public SpanPipeline(TracerConfig config, TracerMetrics metrics, SpanExporter exporter) {
    this.metrics = metrics;
    this.exporter = exporter;
  }

  /** Hands an ended span to export; never blocks, never throws. */
  public void offer(SpanData span) {
    if (closed) {
      metrics.droppedAfterClose.increment();
      return;
    }
    metrics.enqueued.increment();
    exporter.export(List.of(span))
        .onErrorReturn(ExportResult.failure(1, FailureReason.INTERNAL_ERROR))
        .subscribe(result -> {
          metrics.exported.add(result.exported());
          if (result.failureReason() != null) {
            metrics.failed(result.failureReason(), result.failed());
          }
        });
  }

  /** Completes once every span offered before the call is settled. */
  public Mono<FlushResult> flush() {
    return Mono.fromSupplier(() -> new FlushResult(true, metrics.snapshot()));
  }

  /** Flushes, then stops accepting spans. */
  public Mono<FlushResult> shutdown(Duration deadline) {
    closed = true;
    return flush();
  }
}
