package io.fluxtrace.internal.pipeline;

import io.fluxtrace.internal.config.TracerConfig;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * The bounds and timings of one {@link BatchingPipeline}.
 *
 * @param itemName what the items are called in log messages, plural ("spans")
 * @param maxQueuedItems items held at most, from admission until their batch is settled
 * @param maxQueuedBytes estimated bytes held at most, counted like {@code maxQueuedItems}
 * @param maxBatchItems items per batch at most
 * @param maxBatchBytes estimated bytes per batch at most (a single larger item travels alone)
 * @param flushInterval how often a partial batch is cut and exported
 * @param maxConcurrentExports batches being exported at once at most
 * @param shutdownTimeout how long shutdown waits for delivery before it gives up on what is left
 * @param scheduler where batching and export calls run, or null for a dedicated daemon thread that the
 *     pipeline owns and stops on shutdown
 */
public record PipelineOptions(
    String itemName,
    int maxQueuedItems,
    long maxQueuedBytes,
    int maxBatchItems,
    long maxBatchBytes,
    Duration flushInterval,
    int maxConcurrentExports,
    Duration shutdownTimeout,
    @Nullable Scheduler scheduler) {

  /** Checks the bounds; the builders validate user input with clearer messages first. */
  public PipelineOptions {
    Objects.requireNonNull(itemName, "itemName");
    Objects.requireNonNull(flushInterval, "flushInterval");
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    if (maxQueuedItems < 1 || maxQueuedBytes < 1 || maxBatchItems < 1 || maxBatchBytes < 1
        || maxConcurrentExports < 1) {
      throw new IllegalArgumentException("pipeline bounds must be positive");
    }
    if (flushInterval.isNegative() || flushInterval.isZero() || shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("flushInterval must be positive and shutdownTimeout not negative");
    }
  }

  /**
   * The tracer's batching, timing and byte bound for a pipeline of {@code itemName} holding at most
   * {@code maxQueuedItems}: spans and scores share every setting but their count bound.
   */
  public static PipelineOptions from(TracerConfig config, String itemName, int maxQueuedItems) {
    return new PipelineOptions(
        itemName,
        maxQueuedItems,
        config.maxQueuedBytes(),
        config.flushAt(),
        config.maxBatchBytes(),
        config.flushInterval(),
        config.maxConcurrentExports(),
        config.shutdownTimeout(),
        config.exportScheduler());
  }
}
