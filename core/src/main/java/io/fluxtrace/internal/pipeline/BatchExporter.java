package io.fluxtrace.internal.pipeline;

import io.fluxtrace.export.ExportResult;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Where a {@link BatchingPipeline} delivers its batches. Same contract as
 * {@link io.fluxtrace.export.SpanExporter}: {@code export} returns at once, and its {@code Mono} completes with
 * one result for the whole batch.
 *
 * @param <T> the item type
 */
public interface BatchExporter<T> {

  /** Exports a non-empty, unmodifiable batch. */
  Mono<ExportResult> export(List<T> batch);

  /** Releases resources; called once, after the last export. */
  default Mono<Void> shutdown() {
    return Mono.empty();
  }
}
