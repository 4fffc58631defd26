package io.fluxtrace.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.TracerStats;
import io.fluxtrace.export.ExportResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The pipeline under real concurrency: 8 emitting threads (non-blocking ones, so BlockHound checks the emit
 * path), the pipeline's own export thread, and exports that complete on yet other threads.
 */
@Timeout(60)
class BatchingPipelineConcurrencyTest {

  private static final int THREADS = 8;
  private static final int PER_THREAD = 5_000;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final Scheduler emitters = Schedulers.newParallel("emitter", THREADS);
  private final TracerMetrics metrics = new TracerMetrics();
  /** Every item exported, with how many times. */
  private final ConcurrentHashMap<Integer, Integer> exported = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<BatchingPipeline<Integer>> started = new ConcurrentLinkedQueue<>();

  @AfterEach
  void stop() {
    for (BatchingPipeline<Integer> pipeline : started) {
      pipeline.shutdown().block(WAIT);
    }
    emitters.dispose();
  }

  @Test
  void everyItemOfEightThreadsIsExportedExactlyOnce() {
    BatchingPipeline<Integer> pipeline = pipeline(100_000, 64);

    emitConcurrently(pipeline);
    assertThat(pipeline.flush().block(WAIT)).isTrue();

    assertThat(exported).hasSize(THREADS * PER_THREAD);
    assertThat(exported.values()).containsOnly(1);
    TracerStats stats = metrics.snapshot();
    assertThat(stats.enqueued()).isEqualTo(THREADS * PER_THREAD);
    assertThat(stats.exported()).isEqualTo(THREADS * PER_THREAD);
    assertThat(stats.failed() + stats.dropped()).isZero();
    assertThat(stats.batches()).isGreaterThanOrEqualTo(THREADS * PER_THREAD / 64);
    assertThat(pipeline.queuedItems()).isZero();
  }

  /**
   * A user's export scheduler whose workers run tasks side by side ({@code fromExecutorService} over a pool): the
   * batcher must still run one task at a time, with every count exact, through many flushes and ticks.
   */
  @Test
  void aPoolSchedulerWhoseWorkersAreNotSerialStillExportsEveryItemExactlyOnce() {
    ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
    try {
      BatchingPipeline<Integer> pipeline = pipeline(100_000, 16, Schedulers.fromExecutorService(pool));

      List<Boolean> flushed = Flux.range(0, THREADS)
          .flatMap(thread -> Flux.range(0, 10)
              .concatMap(slice -> Mono.fromRunnable(() -> emit(pipeline, thread, slice, 10))
                  .subscribeOn(emitters)
                  .then(pipeline.flush())), THREADS)
          .collectList()
          .block(WAIT);

      assertThat(flushed).hasSize(THREADS * 10).containsOnly(true);
      assertThat(exported).hasSize(THREADS * PER_THREAD);
      assertThat(exported.values()).containsOnly(1);
      TracerStats stats = metrics.snapshot();
      assertThat(stats.enqueued()).isEqualTo(THREADS * PER_THREAD);
      assertThat(stats.exported()).isEqualTo(THREADS * PER_THREAD);
      assertThat(stats.failed() + stats.dropped()).isZero();
      assertThat(pipeline.queuedItems()).isZero();
      assertThat(pipeline.shutdown().block(WAIT)).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void dropsUnderOverloadAreCountedExactly() {
    BatchingPipeline<Integer> pipeline = pipeline(64, 16);

    emitConcurrently(pipeline);
    assertThat(pipeline.flush().block(WAIT)).isTrue();

    TracerStats stats = metrics.snapshot();
    assertThat(stats.exported()).isEqualTo(exported.size());
    assertThat(exported.values()).containsOnly(1);
    assertThat(stats.exported() + stats.droppedQueueFull()).isEqualTo(THREADS * PER_THREAD);
    assertThat(stats.enqueued()).isEqualTo(stats.exported());
    assertThat(pipeline.queuedItems()).isZero();
    assertThat(pipeline.queuedBytes()).isZero();
  }

  @Test
  void eachThreadsFlushCoversItsOwnItems() {
    BatchingPipeline<Integer> pipeline = pipeline(100_000, 64);

    List<Boolean> covered = Flux.range(0, THREADS)
        .flatMap(thread -> Mono.fromRunnable(() -> emit(pipeline, thread))
            .subscribeOn(emitters)
            .then(pipeline.flush())
            .map(completed -> completed && itemsOf(thread).allMatch(exported::containsKey)), THREADS)
        .collectList()
        .block(WAIT);

    assertThat(covered).hasSize(THREADS).containsOnly(true);
  }

  @Test
  void shutdownDuringEmissionAccountsForEveryItem() {
    BatchingPipeline<Integer> pipeline = pipeline(100_000, 64);

    Mono<Void> emission = Flux.range(0, THREADS)
        .flatMap(thread -> Mono.fromRunnable(() -> emit(pipeline, thread)).subscribeOn(emitters), THREADS)
        .then();
    Boolean completed = Mono.when(emission, pipeline.shutdown().delaySubscription(Duration.ofMillis(1)))
        .then(pipeline.shutdown())
        .block(WAIT);

    assertThat(completed).isTrue();
    await().atMost(WAIT).untilAsserted(() -> {
      TracerStats stats = metrics.snapshot();
      assertThat(stats.exported() + stats.failed() + stats.dropped()).isEqualTo(THREADS * PER_THREAD);
      assertThat(pipeline.queuedItems()).isZero();
    });
    assertThat(metrics.snapshot().exported()).isEqualTo(exported.size());
    assertThat(exported.values()).containsOnly(1);
  }

  private BatchingPipeline<Integer> pipeline(int maxQueuedItems, int maxBatchItems) {
    return pipeline(maxQueuedItems, maxBatchItems, null);
  }

  private BatchingPipeline<Integer> pipeline(int maxQueuedItems, int maxBatchItems, @Nullable Scheduler scheduler) {
    PipelineOptions options = new PipelineOptions("items", maxQueuedItems, 1L << 40, maxBatchItems, 1L << 40,
        Duration.ofMillis(50), 2, Duration.ofSeconds(10), scheduler);
    // Completes on another thread, as an HTTP client would.
    BatchExporter<Integer> exporter = batch -> Mono.fromSupplier(() -> {
          batch.forEach(item -> exported.merge(item, 1, Integer::sum));
          return ExportResult.success(batch.size());
        })
        .subscribeOn(Schedulers.parallel());
    BatchingPipeline<Integer> pipeline =
        new BatchingPipeline<>(options, item -> 100, exporter, metrics);
    started.add(pipeline);
    return pipeline;
  }

  private void emitConcurrently(BatchingPipeline<Integer> pipeline) {
    Flux.range(0, THREADS)
        .flatMap(thread -> Mono.fromRunnable(() -> emit(pipeline, thread)).subscribeOn(emitters), THREADS)
        .blockLast(WAIT);
  }

  private static void emit(BatchingPipeline<Integer> pipeline, int thread) {
    itemsOf(thread).forEach(pipeline::offer);
  }

  /** The {@code slice}-th of {@code slices} equal parts of a thread's items. */
  private static void emit(BatchingPipeline<Integer> pipeline, int thread, int slice, int slices) {
    int size = PER_THREAD / slices;
    itemsOf(thread).skip((long) slice * size).limit(size).forEach(pipeline::offer);
  }

  private static Stream<Integer> itemsOf(int thread) {
    return IntStream.range(thread * PER_THREAD, (thread + 1) * PER_THREAD).boxed();
  }
}
