package io.fluxtrace.internal.pipeline;

import io.fluxtrace.export.ExportResult;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
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

  /**
   * The batch exporter of a public exporter contract ({@code SpanExporter}, {@code ScoreExporter}), given its two
   * methods: {@code BatchExporter.of(exporter::export, exporter::shutdown)}.
   */
  static <T> BatchExporter<T> of(Function<List<T>, ? extends Publisher<ExportResult>> export,
      Supplier<Mono<Void>> shutdown) {
    return new BatchExporter<>() {
      @Override
      public Publisher<ExportResult> export(List<T> batch) {
        return export.apply(batch);
      }

      @Override
      public Mono<Void> shutdown() {
        return shutdown.get();
      }
    };
  }
}
