package io.fluxtrace.export;

import io.fluxtrace.SpanData;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Delivers batches of ended spans somewhere. The tracer calls {@link #export} with at most the configured
 * number of concurrent exports in flight, never with an empty batch.
 *
 * <p>An exporter must not block: {@code export} returns at once and does its I/O asynchronously. The returned
 * {@code Mono} must always complete with a result, never an error; an error is treated as every span in the
 * batch failing with {@link io.fluxtrace.FailureReason#INTERNAL_ERROR}.
 */
public interface SpanExporter {

  /** Exports {@code batch} and reports how many spans were delivered and how many failed, and why. */
  Mono<ExportResult> export(List<SpanData> batch);

  /** Releases resources (connection pools); called once, after the last export. */
  default Mono<Void> shutdown() {
    return Mono.empty();
  }
}
