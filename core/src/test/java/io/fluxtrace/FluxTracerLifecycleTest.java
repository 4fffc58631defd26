package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.pipeline.GatedExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** Flush, shutdown, close and the shutdown hook of the tracer, with its span pipeline behind them. */
@Timeout(60)
class FluxTracerLifecycleTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
  private final List<FluxTracer> tracers = new ArrayList<>();

  @AfterEach
  void shutDownTracers() {
    for (FluxTracer tracer : tracers) {
      tracer.shutdown().subscribe();
    }
    time.advanceTimeBy(Duration.ofMinutes(10));
    time.dispose();
  }

  @Test
  void spansEndedOnEightThreadsAreEachExportedOnceAndTheStatsAgree() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    FluxTracer tracer = tracer(b -> b.exporter(exporter).flushAt(100));
    Scheduler threads = Schedulers.newParallel("ender", 8);
    try {
      Flux.range(0, 8)
          .flatMap(thread -> Mono.fromRunnable(() -> endSpans(tracer, 2_000)).subscribeOn(threads), 8)
          .blockLast(WAIT);
    } finally {
      threads.dispose();
    }

    FlushResult result = tracer.flushBlocking(WAIT);

    assertThat(result.completed()).isTrue();
    assertThat(result.isClean()).isTrue();
    List<SpanData> spans = exporter.spans();
    assertThat(spans).hasSize(16_000);
    assertThat(spans.stream().map(SpanData::spanId).collect(Collectors.toSet())).hasSize(16_000);
    TracerStats stats = result.stats();
    assertThat(stats.spansStarted()).isEqualTo(16_000);
    assertThat(stats.spansEnded()).isEqualTo(16_000);
    assertThat(stats.enqueued()).isEqualTo(16_000);
    assertThat(stats.exported()).isEqualTo(16_000);
    assertThat(stats.queuedSpans()).isZero();
    assertThat(stats.queuedBytes()).isZero();
    assertAccountedFor(stats);
  }

  @Test
  void exportsEndedSpansEveryFlushIntervalInVirtualTime() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    FluxTracer tracer = tracer(b -> b.exporter(exporter).exportScheduler(time).flushInterval(Duration.ofSeconds(2)));

    endSpans(tracer, 3);
    time.advanceTimeBy(Duration.ofMillis(1_999));
    assertThat(exporter.spans()).isEmpty();
    assertThat(tracer.stats().queuedSpans()).isEqualTo(3);

    time.advanceTimeBy(Duration.ofMillis(1));
    assertThat(exporter.spans()).hasSize(3);
    assertThat(tracer.stats().queuedSpans()).isZero();
  }

  @Test
  void cutsBatchesByFlushAtAndByEstimatedBytes() {
    GatedExporter<SpanData> exporter = GatedExporter.succeeding();
    FluxTracer tracer = tracer(b -> b.exporter(GatedExporter.asSpanExporter(exporter)).exportScheduler(time)
        .flushAt(2).maxBatchBytes(4_096));

    endSpans(tracer, 5);
    StepVerifier.create(tracer.flush()).expectNextMatches(FlushResult::completed).verifyComplete();
    assertThat(exporter.batchSizes()).containsExactly(2, 2, 1);

    String large = "x".repeat(2_000); // each such span is estimated at more than half of maxBatchBytes
    for (int i = 0; i < 3; i++) {
      tracer.startSpan("large", ObservationType.SPAN, null, TraceAttributes.EMPTY).input(large).end();
    }
    StepVerifier.create(tracer.flush()).expectNextMatches(FlushResult::completed).verifyComplete();
    assertThat(exporter.batchSizes()).containsExactly(2, 2, 1, 1, 1, 1);
  }

  @Test
  void aSlowBackendBacksUpIntoMaxQueuedSpansAndEveryDropIsCounted() {
    GatedExporter<SpanData> exporter = GatedExporter.gated();
    FluxTracer tracer = tracer(b -> b.exporter(GatedExporter.asSpanExporter(exporter)).exportScheduler(time)
        .maxQueuedSpans(5).flushAt(1).maxConcurrentExports(1));

    endSpans(tracer, 12);

    TracerStats full = tracer.stats();
    assertThat(full.droppedQueueFull()).isEqualTo(7);
    assertThat(full.queuedSpans()).isEqualTo(5);
    assertThat(exporter.calls).hasSize(1);

    CompletableFuture<FlushResult> flushed = tracer.flush().toFuture();
    exporter.succeedUntilIdle();

    FlushResult result = flushed.getNow(null);
    assertThat(result.completed()).isTrue();
    assertThat(result.isClean()).isFalse();
    assertThat(result.exported()).isEqualTo(5);
    assertThat(result.dropped()).isEqualTo(7);
    assertAccountedFor(result.stats());
  }

  @Test
  void aSpanDroppedBecauseThePipelineIsFullIsNotSerializedFirst() {
    GatedExporter<SpanData> exporter = GatedExporter.gated();
    FluxTracer tracer = tracer(b -> b.exporter(GatedExporter.asSpanExporter(exporter)).exportScheduler(time)
        .maxQueuedSpans(1).flushAt(1).maxConcurrentExports(1));
    CountingInput admitted = new CountingInput();
    CountingInput dropped = new CountingInput();

    tracer.startSpan("admitted", ObservationType.SPAN, null, TraceAttributes.EMPTY).input(admitted).end();
    tracer.startSpan("dropped", ObservationType.SPAN, null, TraceAttributes.EMPTY).input(dropped).end();

    assertThat(admitted.serialized).isEqualTo(1);
    assertThat(dropped.serialized).isZero();
    assertThat(tracer.stats().droppedQueueFull()).isEqualTo(1);
    CompletableFuture<FlushResult> flushed = tracer.flush().toFuture();
    exporter.succeedUntilIdle();
    assertThat(flushed.getNow(null).exported()).isEqualTo(1);
    assertThat(exporter.items()).extracting(SpanData::input).containsExactly("{\"value\":1}");
    assertAccountedFor(tracer.stats());
  }

  /** An input that counts how often it is serialized. */
  static final class CountingInput {
    int serialized;

    public int getValue() {
      serialized++;
      return serialized;
    }
  }

  @Test
  void flushOfAnIdleTracerCompletesAtOnce() {
    FluxTracer tracer = tracer(b -> b.exporter(InMemorySpanExporter.create()));

    FlushResult result = Objects.requireNonNull(tracer.flush().block(WAIT));

    assertThat(result.isClean()).isTrue();
    assertThat(result.stats().spansEnded()).isZero();
  }

  @Test
  void concurrentFlushesEachReportTheirOwnSpansSettled() {
    GatedExporter<SpanData> exporter = GatedExporter.gated();
    FluxTracer tracer = tracer(b -> b.exporter(GatedExporter.asSpanExporter(exporter)).exportScheduler(time)
        .flushAt(1).maxConcurrentExports(2));

    endSpans(tracer, 1);
    CompletableFuture<FlushResult> first = tracer.flush().toFuture();
    endSpans(tracer, 1);
    CompletableFuture<FlushResult> second = tracer.flush().toFuture();

    exporter.call(1).succeed();
    assertThat(first).isNotDone();
    assertThat(second).isNotDone();
    exporter.call(0).fail(FailureReason.BAD_REQUEST);

    assertThat(first.getNow(null).completed()).isTrue();
    assertThat(second.getNow(null).completed()).isTrue();
    assertThat(second.getNow(null).stats().exported()).isEqualTo(1);
    assertThat(second.getNow(null).stats().failed(FailureReason.BAD_REQUEST)).isEqualTo(1);
  }

  @Test
  void anExporterThatErrorsOrThrowsIsCountedAsInternalError() {
    SpanExporter erroring = batch -> Mono.error(new IllegalStateException("backend client bug"));
    SpanExporter throwing = batch -> {
      throw new IllegalStateException("backend client bug");
    };
    for (SpanExporter exporter : List.of(erroring, throwing)) {
      FluxTracer tracer = tracer(b -> b.exporter(exporter).flushAt(2));

      endSpans(tracer, 3);
      FlushResult result = tracer.flushBlocking(WAIT);

      assertThat(result.completed()).isTrue();
      assertThat(result.stats().failed(FailureReason.INTERNAL_ERROR)).isEqualTo(3);
      assertThat(result.stats().batches()).isEqualTo(2);
      assertAccountedFor(result.stats());
    }
  }

  @Test
  void closeDeliversThenShutdownIsIdempotentAndLaterSpansAreCountedAsDroppedAfterClose() {
    GatedExporter<SpanData> exporter = GatedExporter.succeeding();
    FluxTracer tracer = tracer(b -> b.exporter(GatedExporter.asSpanExporter(exporter)));
    endSpans(tracer, 2);

    tracer.close();
    tracer.close();
    FlushResult first = Objects.requireNonNull(tracer.shutdown().block(WAIT));
    FlushResult again = tracer.shutdown().block(WAIT);

    assertThat(first).isSameAs(again);
    assertThat(first.completed()).isTrue();
    assertThat(first.exported()).isEqualTo(2);
    assertThat(exporter.events).containsExactly("export", "shutdown");
    assertThatCode(() -> endSpans(tracer, 1)).doesNotThrowAnyException();
    TracerStats stats = tracer.stats();
    assertThat(stats.droppedAfterClose()).isEqualTo(1);
    assertThat(stats.spansEnded()).isEqualTo(3);
    assertAccountedFor(stats);
    assertThat(tracer.flush().block(WAIT)).extracting(FlushResult::completed).isEqualTo(true);
    assertThat(exporter.events).containsExactly("export", "shutdown");
  }

  @Test
  void shutdownCountsWhatANeverCompletingExporterHoldsAsShutdownDeadline() {
    GatedExporter<SpanData> exporter = GatedExporter.gated();
    FluxTracer tracer = tracer(b -> b.exporter(GatedExporter.asSpanExporter(exporter)).exportScheduler(time)
        .flushAt(1).maxConcurrentExports(2).shutdownTimeout(Duration.ofSeconds(5)));
    endSpans(tracer, 3);

    CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
    time.advanceTimeBy(Duration.ofMillis(4_999));
    assertThat(shutdown).isNotDone();
    time.advanceTimeBy(Duration.ofMillis(1));

    FlushResult result = shutdown.getNow(null);
    assertThat(result.completed()).isFalse();
    assertThat(result.stats().failed(FailureReason.SHUTDOWN_DEADLINE)).isEqualTo(3);
    assertThat(result.stats().queuedSpans()).isZero();
    assertAccountedFor(result.stats());
  }

  @Test
  void closeReturnsAtTheShutdownDeadlineWhenTheBackendNeverAnswers() {
    FluxTracer tracer = tracer(b -> b.exporter(batch -> Mono.never()).shutdownTimeout(Duration.ofMillis(200)));
    endSpans(tracer, 3);

    tracer.close();

    TracerStats stats = tracer.stats();
    assertThat(stats.failed(FailureReason.SHUTDOWN_DEADLINE)).isEqualTo(3);
    assertAccountedFor(stats);
  }

  @Test
  void flushBlockingReportsIncompleteWhenItsTimeoutPasses() {
    FluxTracer tracer = tracer(b -> b.exporter(batch -> Mono.never()).flushAt(1));
    endSpans(tracer, 1);

    FlushResult result = tracer.flushBlocking(Duration.ofMillis(100));

    assertThat(result.completed()).isFalse();
  }

  @Test
  void blockingBridgesRefuseToRunOnNonBlockingThreads() {
    FluxTracer tracer = tracer(b -> b.exporter(InMemorySpanExporter.create()));

    StepVerifier.create(Mono.fromCallable(() -> tracer.flushBlocking(Duration.ofSeconds(1)))
            .subscribeOn(Schedulers.parallel()))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("flushBlocking()").hasMessageContaining("use flush()"))
        .verify(WAIT);
    StepVerifier.create(Mono.fromRunnable(tracer::close).subscribeOn(Schedulers.parallel()))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("close()").hasMessageContaining("shutdown()"))
        .verify(WAIT);
    assertThat(tracer.flushBlocking(WAIT).completed()).as("the tracer still works").isTrue();
  }

  @Test
  void theShutdownHookFlushesAndCloseRemovesIt() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    FluxTracer hooked = tracer(b -> b.exporter(exporter).shutdownHook(true));
    FluxTracer closed = tracer(b -> b.exporter(exporter).shutdownHook(true));
    Thread hook = Objects.requireNonNull(hooked.shutdownHook(), "hook registered");
    Thread closedHook = Objects.requireNonNull(closed.shutdownHook(), "hook registered");
    endSpans(hooked, 2);

    hook.run(); // what the JVM does at exit
    closed.close();

    assertThat(exporter.spans()).hasSize(2);
    assertThat(hooked.stats().exported()).isEqualTo(2);
    assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("removed after running").isFalse();
    assertThat(Runtime.getRuntime().removeShutdownHook(closedHook)).as("removed by close()").isFalse();
    assertThat(tracer(b -> b.exporter(exporter).shutdownHook(false)).shutdownHook()).isNull();
    assertThat(FluxTracer.disabled().shutdownHook()).isNull();
  }

  @Test
  void closeReleasesTheExportThread() {
    Set<String> exportThreads = ConcurrentHashMap.newKeySet();
    FluxTracer tracer = tracer(b -> b.exporter(batch -> {
      exportThreads.add(Thread.currentThread().getName());
      return Mono.just(ExportResult.success(batch.size()));
    }));
    endSpans(tracer, 1);
    tracer.flushBlocking(WAIT);
    assertThat(exportThreads).singleElement().asString().startsWith("fluxtrace-spans-export");

    tracer.close();

    await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> exportThreads.contains(t.getName())));
  }

  @Test
  void aDisabledTracerFlushesAndClosesAtOnce() {
    FluxTracer tracer = FluxTracer.disabled();

    assertThat(tracer.flushBlocking(WAIT).isClean()).isTrue();
    tracer.close();
    assertThat(tracer.shutdown().block(WAIT)).extracting(FlushResult::completed).isEqualTo(true);
  }

  private FluxTracer tracer(UnaryOperator<FluxTracerBuilder> configuration) {
    FluxTracer tracer = configuration.apply(FluxTracer.builder(Map.of()).shutdownHook(false)).build();
    tracers.add(tracer);
    return tracer;
  }

  private static void endSpans(FluxTracer tracer, int count) {
    for (int i = 0; i < count; i++) {
      tracer.startSpan("span-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
    }
  }

  /** The accounting identity of {@link TracerStats}: once idle, every ended span is exported, failed or dropped. */
  private static void assertAccountedFor(TracerStats stats) {
    assertThat(stats.spansEnded()).isEqualTo(stats.exported() + stats.failed() + stats.dropped());
  }
}
