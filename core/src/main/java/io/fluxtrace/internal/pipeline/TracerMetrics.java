package io.fluxtrace.internal.pipeline;

import io.fluxtrace.MediaStats;
import io.fluxtrace.SamplingStats;
import io.fluxtrace.TracerStats;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The tracer's exact counters: the span pipeline's outcomes ({@link PipelineCounters}), what happens to spans
 * before it, and the score counters. Gauges (queued spans and bytes) are read from the pipeline that owns them.
 */
public final class TracerMetrics extends PipelineCounters {

  /** Spans started and not registered among the open ones (during shutdown); see {@link #spansStarted()}. */
  public final LongAdder spansStarted = new LongAdder();
  public final LongAdder spansEnded = new LongAdder();
  public final LongAdder batches = new LongAdder();
  public final LongAdder bytesSent = new LongAdder();
  public final LongAdder mutationsAfterEnd = new LongAdder();
  public final LongAdder contentReplaced = new LongAdder();
  public final LongAdder contentTruncated = new LongAdder();
  public final LongAdder maskingFailures = new LongAdder();
  public final LongAdder invalidValuesDropped = new LongAdder();
  public final ScoreMetrics scores = new ScoreMetrics();

  private volatile LongSupplier registeredStarts = () -> 0;
  private volatile Supplier<MediaStats> media = () -> MediaStats.EMPTY;
  private volatile Supplier<SamplingStats> sampling = () -> SamplingStats.EMPTY;

  @Override
  public void batchCompleted() {
    batches.increment();
  }

  /**
   * Lets the open-span registry report how many spans it registered: it counts them with the compare-and-set that
   * links each one, so starting a span needs no counter of its own.
   */
  public void registeredStarts(LongSupplier registered) {
    this.registeredStarts = registered;
  }

  /** Recording spans started: those the registry counted and those started when it no longer registered. */
  public long spansStarted() {
    return registeredStarts.getAsLong() + spansStarted.sum();
  }

  /** Lets the media upload report its counters. */
  public void mediaStats(Supplier<MediaStats> media) {
    this.media = media;
  }

  /** Lets tail sampling report its counters. */
  public void sampling(Supplier<SamplingStats> sampling) {
    this.sampling = sampling;
  }

  /** A consistent-enough snapshot: each counter is exact, read one after the other. */
  public TracerStats snapshot() {
    return new TracerStats(
        spansStarted(),
        spansEnded.sum(),
        enqueued.sum(),
        droppedQueueFull.sum(),
        droppedAfterClose.sum(),
        exported.sum(),
        failedCounts(),
        retries.sum(),
        batches.sum(),
        bytesSent.sum(),
        queuedItems(),
        queuedBytes(),
        mutationsAfterEnd.sum(),
        contentReplaced.sum(),
        contentTruncated.sum(),
        maskingFailures.sum(),
        invalidValuesDropped.sum(),
        scores.snapshot(),
        media.get(),
        sampling.get());
  }
}
