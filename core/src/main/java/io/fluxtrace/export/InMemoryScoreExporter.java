package io.fluxtrace.export;

import io.fluxtrace.ScoreData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;

/**
 * Keeps exported scores in memory, for application tests: build the tracer with
 * {@code FluxTracer.builder().scoreExporter(exporter)}, run the code under test, {@code flush()}, then inspect
 * {@link #scores()}. Thread-safe.
 */
public final class InMemoryScoreExporter implements ScoreExporter {

  private final ConcurrentLinkedQueue<ScoreData> scores = new ConcurrentLinkedQueue<>();

  private InMemoryScoreExporter() {}

  /** A new, empty exporter. */
  public static InMemoryScoreExporter create() {
    return new InMemoryScoreExporter();
  }

  @Override
  public Flux<ExportResult> export(List<ScoreData> batch) {
    scores.addAll(batch);
    return Flux.just(ExportResult.success(batch.size()));
  }

  /** Every score exported so far, in export order. */
  public List<ScoreData> scores() {
    return new ArrayList<>(scores);
  }

  /** The scores exported so far that belong to {@code traceId}. */
  public List<ScoreData> scoresOfTrace(String traceId) {
    return scores.stream().filter(s -> traceId.equals(s.traceId())).collect(Collectors.toList());
  }

  /** Forgets every score exported so far. */
  public void reset() {
    scores.clear();
  }
}
