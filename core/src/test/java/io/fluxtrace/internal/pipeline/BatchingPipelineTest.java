package io.fluxtrace.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.FailureReason;
import io.fluxtrace.TracerStats;
import io.fluxtrace.export.ExportResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The pipeline's batching, bounds, flush and shutdown, one behaviour per test. The export scheduler is a
 * {@link VirtualTimeScheduler}: work runs on the test thread as soon as it is scheduled and time moves only when
 * the test says so, which makes every step deterministic. {@link BatchingPipelineConcurrencyTest} covers real
 * threads.
 */
class BatchingPipelineTest {

  private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
  private final TracerMetrics metrics = new TracerMetrics();

  @AfterEach
  void disposeScheduler() {
    time.dispose();
  }

  @Test
  void cutsBatchesByCount() {
    GatedExporter<String> exporter = GatedExporter.succeeding();
    BatchingPipeline<String> pipeline = pipeline(options().maxBatchItems(3), exporter);

    offer(pipeline, 7);

    assertThat(exporter.batchSizes()).containsExactly(3, 3);
    StepVerifier.create(pipeline.flush()).expectNext(true).verifyComplete();
    assertThat(exporter.batchSizes()).containsExactly(3, 3, 1);
    assertThat(exporter.items()).containsExactly("item-0", "item-1", "item-2", "item-3", "item-4", "item-5", "item-6");
    assertThat(stats().exported()).isEqualTo(7);
    assertThat(stats().batches()).isEqualTo(3);
    assertIdle(pipeline);
  }

  @Test
  void cutsBatchesByEstimatedBytesAndSendsAnOversizedItemAlone() {
    GatedExporter<String> exporter = GatedExporter.succeeding();
    BatchingPipeline<String> pipeline = pipeline(options().maxBatchBytes(10), exporter);

    pipeline.offer("aaaa");
    pipeline.offer("bbbb");
    pipeline.offer("cccc"); // 12 bytes with the two before: starts the next batch
    pipeline.offer("x".repeat(25)); // larger than a batch: cuts the batch before it and travels alone
    pipeline.offer("dd");
    pipeline.offer("eeeeeeee"); // exactly fills the batch: cut at once

    assertThat(exporter.calls).extracting(c -> c.batch)
        .containsExactly(List.of("aaaa", "bbbb"), List.of("cccc"), List.of("x".repeat(25)), List.of("dd", "eeeeeeee"));
    assertIdle(pipeline);
  }

  @Test
  void exportsAPartialBatchEveryFlushInterval() {
    GatedExporter<String> exporter = GatedExporter.succeeding();
    BatchingPipeline<String> pipeline = pipeline(options().flushInterval(Duration.ofSeconds(5)), exporter);

    offer(pipeline, 3);
    time.advanceTimeBy(Duration.ofSeconds(4));
    assertThat(exporter.calls).isEmpty();

    time.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(exporter.batchSizes()).containsExactly(3);

    pipeline.offer("late");
    time.advanceTimeBy(Duration.ofSeconds(4));
    assertThat(exporter.batchSizes()).containsExactly(3);
    time.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(exporter.batchSizes()).containsExactly(3, 1);

    time.advanceTimeBy(Duration.ofSeconds(20));
    assertThat(exporter.batchSizes()).as("no empty batches when idle").containsExactly(3, 1);
  }

  @Test
  void slowExporterBacksUpIntoTheBoundAndDropsAreCountedExactly() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline =
        pipeline(options().maxQueuedItems(10).maxBatchItems(2).maxConcurrentExports(1), exporter);

    offer(pipeline, 25);

    assertThat(exporter.calls).hasSize(1);
    assertThat(stats().enqueued()).isEqualTo(10);
    assertThat(stats().droppedQueueFull()).isEqualTo(15);
    assertThat(pipeline.queuedItems()).isEqualTo(10);

    exporter.call(0).succeed(); // settles 2: room for exactly 2 more
    offer(pipeline, 3);
    assertThat(stats().enqueued()).isEqualTo(12);
    assertThat(stats().droppedQueueFull()).isEqualTo(16);

    CompletableFuture<Boolean> flushed = pipeline.flush().toFuture();
    exporter.succeedUntilIdle();
    assertThat(flushed).isCompletedWithValue(true);
    assertThat(exporter.maxInFlight).hasValue(1);
    assertThat(stats().exported()).isEqualTo(12);
    assertThat(stats().exported() + stats().failed() + stats().dropped()).isEqualTo(28);
    assertIdle(pipeline);
  }

  @Test
  void refuseIfFullRefusesAndCountsOnlyAtTheBound() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> byItems = pipeline(options().maxQueuedItems(2).maxBatchItems(1), exporter);

    assertThat(byItems.refuseIfFull()).isFalse();
    offer(byItems, 2);
    assertThat(byItems.refuseIfFull()).isTrue();
    assertThat(stats().droppedQueueFull()).isEqualTo(1);
    assertThat(stats().enqueued()).isEqualTo(2);

    exporter.call(0).succeed();
    assertThat(byItems.refuseIfFull()).isFalse();
    assertThat(stats().droppedQueueFull()).isEqualTo(1);
  }

  @Test
  void refuseIfFullRefusesWhenTheBytesAreAtTheBound() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> byBytes = pipeline(options().maxQueuedBytes(10).maxBatchItems(1), exporter);

    byBytes.offer("aaaaaa");
    assertThat(byBytes.refuseIfFull()).isFalse();
    byBytes.offer("bbbb"); // exactly 10
    assertThat(byBytes.refuseIfFull()).isTrue();
    assertThat(stats().droppedQueueFull()).isEqualTo(1);
  }

  @Test
  void boundsEstimatedBytesFromAdmissionUntilSettled() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline = pipeline(options().maxQueuedBytes(10).maxBatchItems(1), exporter);

    pipeline.offer("aaaa");
    pipeline.offer("bbbb");
    pipeline.offer("cccc"); // 12 > 10
    pipeline.offer("dd"); // exactly 10

    assertThat(stats().droppedQueueFull()).isEqualTo(1);
    assertThat(pipeline.queuedBytes()).isEqualTo(10);
    assertThat(stats().queuedBytes()).isEqualTo(10);
    assertThat(stats().queuedSpans()).isEqualTo(3);

    exporter.succeedUntilIdle();
    assertIdle(pipeline);
  }

  @Test
  void respectsMaxConcurrentExports() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline = pipeline(options().maxBatchItems(1).maxConcurrentExports(2), exporter);

    offer(pipeline, 6);
    assertThat(exporter.calls).hasSize(2);

    exporter.call(1).succeed();
    assertThat(exporter.calls).hasSize(3);
    exporter.succeedUntilIdle();
    assertThat(exporter.calls).hasSize(6);
    assertThat(exporter.maxInFlight).hasValue(2);
    assertIdle(pipeline);
  }

  @Test
  void flushWaitsForEveryEarlierBatchEvenWhenExportsCompleteOutOfOrder() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline = pipeline(options().maxBatchItems(1).maxConcurrentExports(2), exporter);
    pipeline.offer("a");
    pipeline.offer("b");

    CompletableFuture<Boolean> flushed = pipeline.flush().toFuture();
    exporter.call(1).succeed();
    assertThat(flushed).as("batch 1 of 2 is still in flight").isNotDone();

    exporter.call(0).fail(FailureReason.RETRIES_EXHAUSTED);
    assertThat(flushed).isCompletedWithValue(true);
    assertThat(stats().exported()).isEqualTo(1);
    assertThat(stats().failed(FailureReason.RETRIES_EXHAUSTED)).isEqualTo(1);
  }

  @Test
  void flushWaitsForInFlightAndQueuedBatchesButNotForLaterItems() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline = pipeline(options().maxBatchItems(2).maxConcurrentExports(1), exporter);
    offer(pipeline, 3); // one batch in flight, one item being batched

    CompletableFuture<Boolean> flushed = pipeline.flush().toFuture();
    pipeline.offer("after the flush");
    exporter.call(0).succeed();
    assertThat(flushed).isNotDone();
    assertThat(exporter.call(1).batch).containsExactly("item-2");

    exporter.call(1).succeed();
    assertThat(flushed).isCompletedWithValue(true);
    assertThat(pipeline.queuedItems()).as("the item offered after the flush is not awaited").isEqualTo(1);
  }

  @Test
  void concurrentFlushesEachWaitForTheirOwnItems() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline = pipeline(options().maxBatchItems(1).maxConcurrentExports(2), exporter);

    pipeline.offer("a");
    CompletableFuture<Boolean> first = pipeline.flush().toFuture();
    pipeline.offer("b");
    CompletableFuture<Boolean> second = pipeline.flush().toFuture();
    CompletableFuture<Boolean> third = pipeline.flush().toFuture();

    exporter.call(0).succeed();
    assertThat(first).isCompletedWithValue(true);
    assertThat(second).isNotDone();
    assertThat(third).isNotDone();

    exporter.call(1).succeed();
    assertThat(second).isCompletedWithValue(true);
    assertThat(third).isCompletedWithValue(true);
  }

  @Test
  void worksUnderAutomaticContextPropagationWhichPreventsFusionWithTheSink() {
    Hooks.enableAutomaticContextPropagation();
    try {
      GatedExporter<String> exporter = GatedExporter.succeeding();
      BatchingPipeline<String> pipeline = pipeline(options().maxBatchItems(2), exporter);

      offer(pipeline, 5);

      assertThat(exporter.batchSizes()).containsExactly(2, 2);
      StepVerifier.create(pipeline.flush()).expectNext(true).verifyComplete();
      assertThat(exporter.batchSizes()).containsExactly(2, 2, 1);
      assertIdle(pipeline);
    } finally {
      Hooks.disableAutomaticContextPropagation();
    }
  }

  @Test
  void refusesTheImmediateScheduler() {
    PipelineOptions options = new PipelineOptions("items", 10, 10, 1, 10, Duration.ofSeconds(1), 1,
        Duration.ofSeconds(1), Schedulers.immediate());

    assertThatThrownBy(() -> new BatchingPipeline<String>(options, String::length, GatedExporter.gated(),
            SpanPipeline.listener(metrics)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("asynchronously");
  }

  @Test
  void flushOfAnEmptyPipelineCompletesAtOnce() {
    BatchingPipeline<String> pipeline = pipeline(options(), GatedExporter.gated());

    StepVerifier.create(pipeline.flush()).expectNext(true).verifyComplete();
    StepVerifier.create(pipeline.flush()).expectNext(true).verifyComplete();
  }

  static Stream<Arguments> brokenExporters() {
    Function<List<String>, Mono<ExportResult>> throwing = batch -> {
      throw new IllegalStateException("boom");
    };
    Function<List<String>, Mono<ExportResult>> erroring = batch -> Mono.error(new IllegalStateException("boom"));
    Function<List<String>, Mono<ExportResult>> empty = batch -> Mono.empty();
    Function<List<String>, Mono<ExportResult>> returningNull = batch -> null;
    Function<List<String>, Mono<ExportResult>> underReporting = batch -> Mono.just(ExportResult.success(1));
    return Stream.of(
        Arguments.argumentSet("throws", throwing, 0L),
        Arguments.argumentSet("errors", erroring, 0L),
        Arguments.argumentSet("completes empty", empty, 0L),
        Arguments.argumentSet("returns null", returningNull, 0L),
        Arguments.argumentSet("reports fewer items than the batch", underReporting, 1L));
  }

  @ParameterizedTest
  @MethodSource("brokenExporters")
  void aBrokenExporterCountsTheBatchAsInternalError(
      Function<List<String>, Mono<ExportResult>> export, long exported) {
    BatchingPipeline<String> pipeline = pipeline(options().maxBatchItems(3), export::apply);

    offer(pipeline, 3);

    StepVerifier.create(pipeline.flush()).expectNext(true).verifyComplete();
    assertThat(stats().exported()).isEqualTo(exported);
    assertThat(stats().failed(FailureReason.INTERNAL_ERROR)).isEqualTo(3 - exported);
    assertThat(stats().batches()).isEqualTo(1);
    assertIdle(pipeline);
  }

  @Test
  void shutdownDeliversWhatIsLeftThenShutsTheExporterDownAndRefusesLaterItems() {
    GatedExporter<String> exporter = GatedExporter.succeeding();
    BatchingPipeline<String> pipeline = pipeline(options(), exporter);
    offer(pipeline, 3);

    StepVerifier.create(pipeline.shutdown()).expectNext(true).verifyComplete();

    assertThat(stats().exported()).isEqualTo(3);
    assertThat(exporter.events).containsExactly("export", "shutdown");
    assertThat(pipeline.isClosed()).isTrue();
    pipeline.offer("after close");
    assertThat(stats().droppedAfterClose()).isEqualTo(1);
    StepVerifier.create(pipeline.flush()).expectNext(true).verifyComplete();
    StepVerifier.create(pipeline.shutdown()).expectNext(true).verifyComplete();
    assertThat(exporter.events).as("the exporter is shut down once").containsExactly("export", "shutdown");
    assertIdle(pipeline);
  }

  @Test
  void shutdownGivesUpAtTheDeadlineOnAnExporterThatNeverCompletes() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline = pipeline(
        options().maxBatchItems(2).maxConcurrentExports(1).shutdownTimeout(Duration.ofSeconds(10)), exporter);
    offer(pipeline, 5); // one batch in flight, one waiting, one item being batched
    CompletableFuture<Boolean> flushed = pipeline.flush().toFuture();

    CompletableFuture<Boolean> shutdown = pipeline.shutdown().toFuture();
    time.advanceTimeBy(Duration.ofSeconds(9));
    assertThat(shutdown).isNotDone();
    time.advanceTimeBy(Duration.ofSeconds(1));

    assertThat(shutdown).isCompletedWithValue(false);
    assertThat(flushed).isCompletedWithValue(false);
    assertThat(stats().failed(FailureReason.SHUTDOWN_DEADLINE)).isEqualTo(5);
    assertThat(exporter.call(0).cancelled).as("the abandoned export is cancelled").isTrue();
    assertThat(exporter.events).containsExactly("export", "shutdown");

    exporter.call(0).succeed(); // too late: not counted twice
    pipeline.offer("after close");
    assertThat(stats().exported()).isZero();
    assertThat(stats().droppedAfterClose()).isEqualTo(1);
    assertThat(stats().failed() + stats().dropped()).isEqualTo(6);
    StepVerifier.create(pipeline.flush()).expectNext(false).verifyComplete();
    StepVerifier.create(pipeline.shutdown()).expectNext(false).verifyComplete();
    assertIdle(pipeline);
  }

  @Test
  void shutdownWithAZeroTimeoutGivesUpAtOnce() {
    GatedExporter<String> exporter = GatedExporter.gated();
    BatchingPipeline<String> pipeline = pipeline(options().shutdownTimeout(Duration.ZERO), exporter);
    offer(pipeline, 2);

    CompletableFuture<Boolean> shutdown = pipeline.shutdown().toFuture();
    time.advanceTime();

    assertThat(shutdown).isCompletedWithValue(false);
    assertThat(stats().failed(FailureReason.SHUTDOWN_DEADLINE)).isEqualTo(2);
  }

  private void offer(BatchingPipeline<String> pipeline, int count) {
    for (int i = 0; i < count; i++) {
      pipeline.offer("item-" + i);
    }
  }

  private TracerStats stats() {
    return metrics.snapshot();
  }

  private static void assertIdle(BatchingPipeline<?> pipeline) {
    assertThat(pipeline.queuedItems()).isZero();
    assertThat(pipeline.queuedBytes()).isZero();
  }

  private BatchingPipeline<String> pipeline(Options options, BatchExporter<String> exporter) {
    BatchingPipeline<String> pipeline =
        new BatchingPipeline<>(options.build(time), String::length, exporter, SpanPipeline.listener(metrics));
    metrics.gauges(pipeline::queuedItems, pipeline::queuedBytes);
    return pipeline;
  }

  static Options options() {
    return new Options();
  }

  /** Test defaults: large bounds, batches of 100, a long interval, so each test sets only what it probes. */
  static final class Options {
    private int maxQueuedItems = 1000;
    private long maxQueuedBytes = 1_000_000;
    private int maxBatchItems = 100;
    private long maxBatchBytes = 1_000_000;
    private Duration flushInterval = Duration.ofHours(1);
    private int maxConcurrentExports = 2;
    private Duration shutdownTimeout = Duration.ofSeconds(10);

    Options maxQueuedItems(int value) {
      maxQueuedItems = value;
      return this;
    }

    Options maxQueuedBytes(long value) {
      maxQueuedBytes = value;
      return this;
    }

    Options maxBatchItems(int value) {
      maxBatchItems = value;
      return this;
    }

    Options maxBatchBytes(long value) {
      maxBatchBytes = value;
      return this;
    }

    Options flushInterval(Duration value) {
      flushInterval = value;
      return this;
    }

    Options maxConcurrentExports(int value) {
      maxConcurrentExports = value;
      return this;
    }

    Options shutdownTimeout(Duration value) {
      shutdownTimeout = value;
      return this;
    }

    PipelineOptions build(Scheduler scheduler) {
      return new PipelineOptions("items", maxQueuedItems, maxQueuedBytes, maxBatchItems, maxBatchBytes,
          flushInterval, maxConcurrentExports, shutdownTimeout, scheduler);
    }
  }
}
