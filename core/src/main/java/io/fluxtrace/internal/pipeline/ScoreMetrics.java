package io.fluxtrace.internal.pipeline;

import io.fluxtrace.ScoreStats;
import java.util.concurrent.atomic.LongAdder;

/**
 * The exact score counters, kept apart from the span counters; see {@link ScoreStats}. The score pipeline's
 * outcomes ({@link PipelineCounters}; requests are not counted, as a batch may take several requests and
 * retries), plus the scores recorded and those dropped for want of an exporter.
 */
public final class ScoreMetrics extends PipelineCounters {

  public final LongAdder recorded = new LongAdder();
  public final LongAdder droppedNoExporter = new LongAdder();
  public final LongAdder droppedSampledOut = new LongAdder();

  /** Each counter exact, read one after the other. */
  public ScoreStats snapshot() {
    return new ScoreStats(
        recorded.sum(),
        enqueued.sum(),
        droppedQueueFull.sum(),
        droppedAfterClose.sum(),
        droppedNoExporter.sum(),
        droppedSampledOut.sum(),
        exported.sum(),
        failedCounts(),
        retries.sum(),
        queuedItems());
  }
}
