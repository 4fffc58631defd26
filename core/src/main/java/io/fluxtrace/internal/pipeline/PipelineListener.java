package io.fluxtrace.internal.pipeline;

import io.fluxtrace.FailureReason;

/**
 * Receives the exact outcome of every item offered to a {@link BatchingPipeline}. Each offered item ends in
 * exactly one of {@link #droppedQueueFull}, {@link #droppedAfterClose}, {@link #exported} or {@link #failed};
 * {@link #admitted} is additionally called for every item that entered the pipeline. Called from any thread;
 * implementations must be cheap and thread-safe (counters).
 */
public interface PipelineListener {

  /** One item entered the pipeline. */
  void admitted();

  /** One item was refused because the pipeline held its maximum number of items or bytes. */
  void droppedQueueFull();

  /** {@code count} items were offered after (or concurrently with) shutdown and were not delivered. */
  void droppedAfterClose(long count);

  /** {@code count} items were acknowledged by the exporter. */
  void exported(long count);

  /** {@code count} items definitively failed for {@code reason}. */
  void failed(FailureReason reason, long count);

  /** One export request completed, whatever its outcome. */
  void batchCompleted();
}
