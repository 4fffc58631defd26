package io.fluxtrace.internal.pipeline;

import io.fluxtrace.export.ExportResult;
import java.util.List;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Where a {@link BatchingPipeline} delivers its batches. Same contract as
 * {@link io.fluxtrace.export.SpanExporter}: {@code export} returns at once, and its publisher completes with
 * the batch's results: usually one (a {@code Mono}), or one per outcome when a batch ends several ways at once
 * (Langfuse answers a batch of scores per score), their counts adding up to the batch size.
 *
 * @param <T> the item type
 */
public interface BatchExporter<T> {

  /** Exports a non-empty, unmodifiable batch. */
  Publisher<ExportResult> export(List<T> batch);

  /** Releases resources; called once, after the last export. */
  default Mono<Void> shutdown() {
    return Mono.empty();
  }
}
