package io.fluxtrace.export;

import io.fluxtrace.ScoreData;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Delivers batches of recorded scores somewhere. By default a tracer at the Langfuse endpoint sends them to
 * Langfuse's ingestion API; set another one with {@link io.fluxtrace.FluxTracerBuilder#scoreExporter}, for
 * example {@link InMemoryScoreExporter} in tests. The tracer never calls {@link #export} with an empty batch.
 *
 * <p>An exporter must not block: {@code export} returns at once and does its I/O asynchronously. Unlike spans, a
 * batch of scores can end several ways at once (Langfuse answers per score), so the returned {@code Flux} emits
 * one {@link ExportResult} per outcome, and their counts add up to the batch size. It must not error; an error,
 * or counts that fall short, count the rest of the batch as {@link io.fluxtrace.FailureReason#INTERNAL_ERROR}.
 */
public interface ScoreExporter {

  /** Exports {@code batch} and reports, in one or more results, how many scores were delivered or failed. */
  Flux<ExportResult> export(List<ScoreData> batch);

  /** Releases resources (connection pools); called once, after the last export. */
  default Mono<Void> shutdown() {
    return Mono.empty();
  }
}
