package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.internal.pipeline.GatedExporter;
import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.testing.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Shutdown drains instead of refusing (issue 11, item 1): while a span is open or anything is undelivered it keeps
 * accepting and delivering spans and scores, until the tracer has been quiescent for the quiet period or the drain
 * deadline passes; spans still open then are ended by shutdown (WARNING, a status message) and exported; what is
 * lost is logged once at WARN with the counts. Virtual time, except where a blocking {@code close()} is the point.
 */
@Timeout(60)
class ShutdownDrainTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration TIMEOUT = Duration.ofSeconds(8);
  /** The drain ends a quarter of the timeout before it: the rest is kept for delivery. */
  private static final Duration DRAIN = Duration.ofSeconds(6);
  private static final Duration QUIET = Duration.ofMillis(200);

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
  void keepsAcceptingSpansAndScoresWhileASpanIsOpenThenStopsOnceQuietForTheQuietPeriod() {
    try (LogCapture logs = LogCapture.install()) {
      InMemorySpanExporter spans = InMemorySpanExporter.create();
      InMemoryScoreExporter scores = InMemoryScoreExporter.create();
      FluxTracer tracer = tracer(b -> b.exporter(spans).scoreExporter(scores).exportScheduler(time));
      Span request = start(tracer, "request");

      CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
      time.advanceTimeBy(Duration.ofSeconds(2));
      assertThat(shutdown).as("still draining: a span is open").isNotDone();
      // A step of the request that starts and ends during the drain, and its score: both accepted.
      Span step = start(tracer, "step");
      step.end();
      tracer.score(Score.numeric("quality", 1).observation(step.context()).build());
      time.advanceTimeBy(Duration.ofSeconds(1));
      assertThat(spans.spans()).as("delivered during the drain, not only at its end").extracting(SpanData::name)
          .containsExactly("step");
      request.end();
      time.advanceTimeBy(QUIET.minusMillis(100));
      assertThat(shutdown).as("quiescent, but not yet for the quiet period").isNotDone();
      time.advanceTimeBy(Duration.ofSeconds(1));

      FlushResult result = shutdown.getNow(null);
      assertThat(result).isNotNull();
      assertThat(result.completed()).isTrue();
      assertThat(result.isClean()).isTrue();
      assertThat(spans.spans()).extracting(SpanData::name).containsExactly("step", "request");
      assertThat(spans.spans()).allSatisfy(s -> assertThat(s.level()).isEqualTo(ObservationLevel.DEFAULT));
      assertThat(scores.scores()).hasSize(1);
      assertThat(result.stats().droppedAfterClose()).isZero();
      assertThat(logs.matching("WARN", "fluxtrace")).as(logs.text()).isEmpty();
      assertThat(logs.count("INFO", "still accepting spans while 1 open span(s) end")).isEqualTo(1);

      start(tracer, "after close").end();
      assertThat(tracer.stats().droppedAfterClose()).isEqualTo(1);
      assertThat(logs.count("WARN", "1 span(s) and 0 score(s) ended or recorded after the tracer was closed"))
          .as(logs.text()).isEqualTo(1);
    }
  }

  @Test
  void anyNewWorkRestartsTheQuietPeriod() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    FluxTracer tracer = tracer(b -> b.exporter(spans).exportScheduler(time));

    CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
    for (int i = 0; i < 5; i++) {
      time.advanceTimeBy(QUIET.minusMillis(60));
      assertThat(shutdown).as("round %s", i).isNotDone();
      start(tracer, "late-" + i).end();
    }
    time.advanceTimeBy(Duration.ofSeconds(1));

    assertThat(shutdown.getNow(null).completed()).isTrue();
    assertThat(spans.spans()).hasSize(5);
    assertThat(tracer.stats().droppedAfterClose()).isZero();
  }

  @Test
  void spansStillOpenAtTheDrainDeadlineAreEndedByShutdownWithWarningAndExportedAndLoggedOnce() {
    try (LogCapture logs = LogCapture.install()) {
      InMemorySpanExporter spans = InMemorySpanExporter.create();
      FluxTracer tracer = tracer(b -> b.exporter(spans).exportScheduler(time));
      Span stuck = start(tracer, "stuck").input("question").statusMessage("waiting for the model");
      Span failed = start(tracer, "failed").level(ObservationLevel.ERROR);

      CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
      time.advanceTimeBy(DRAIN.minusMillis(100));
      assertThat(shutdown).isNotDone();
      assertThat(spans.spans()).isEmpty();
      time.advanceTimeBy(Duration.ofMillis(200));

      FlushResult result = shutdown.getNow(null);
      assertThat(result).isNotNull();
      assertThat(result.completed()).isTrue();
      assertThat(spans.spans()).hasSize(2);
      SpanData ended = spans.spans().stream().filter(s -> s.name().equals("stuck")).findFirst().orElseThrow();
      assertThat(ended.level()).isEqualTo(ObservationLevel.WARNING);
      assertThat(ended.statusMessage()).isEqualTo(RecordingSpan.ENDED_BY_SHUTDOWN + "; waiting for the model");
      assertThat(ended.input()).isEqualTo("\"question\"");
      SpanData error = spans.spans().stream().filter(s -> s.name().equals("failed")).findFirst().orElseThrow();
      assertThat(error.level()).as("ERROR is kept").isEqualTo(ObservationLevel.ERROR);
      assertThat(error.statusMessage()).isEqualTo(RecordingSpan.ENDED_BY_SHUTDOWN);
      assertThat(result.stats().spansEnded()).isEqualTo(2);
      assertThat(result.stats().exported()).isEqualTo(2);
      assertThat(logs.count("WARN", "2 span(s) still open were ended by shutdown")).as(logs.text()).isEqualTo(1);

      // The owner ends it later: ignored and counted, never thrown, never exported twice.
      assertThatCode(stuck::end).doesNotThrowAnyException();
      assertThatCode(failed::end).doesNotThrowAnyException();
      assertThat(tracer.stats().mutationsAfterEnd()).isEqualTo(2);
      assertThat(tracer.stats().droppedAfterClose()).isZero();
      assertThat(spans.spans()).hasSize(2);
      assertThat(logs.matching("WARN", "fluxtrace")).as("logged once").hasSize(1);
    }
  }

  @Test
  void spansEndedWhileTheStopPhaseDeliversAreDroppedAndCountedInTheOneWarning() {
    try (LogCapture logs = LogCapture.install()) {
      GatedExporter<SpanData> exporter = GatedExporter.gated();
      FluxTracer tracer = tracer(b -> b.exporter(GatedExporter.asSpanExporter(exporter)).exportScheduler(time)
          .flushAt(1));
      start(tracer, "undeliverable").end();
      Span open = start(tracer, "open");

      CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
      time.advanceTimeBy(DRAIN.plusMillis(100));
      assertThat(shutdown).as("the stop phase waits for the gated export").isNotDone();
      start(tracer, "too late 1").end();
      start(tracer, "too late 2").end();
      time.advanceTimeBy(TIMEOUT);

      FlushResult result = shutdown.getNow(null);
      assertThat(result.completed()).isFalse();
      TracerStats stats = result.stats();
      assertThat(stats.droppedAfterClose()).isEqualTo(2);
      assertThat(stats.failed(FailureReason.SHUTDOWN_DEADLINE)).isEqualTo(2);
      assertThat(stats.spansEnded()).isEqualTo(stats.exported() + stats.failed() + stats.dropped());
      assertThat(logs.count("WARN", "1 span(s) still open were ended by shutdown")).as(logs.text()).isEqualTo(1);
      assertThat(logs.count("WARN", "2 span(s) and 0 score(s) ended after close were dropped")).isEqualTo(1);
      assertThat(logs.count("WARN", "2 spans were still undelivered when the shutdown deadline")).isEqualTo(1);
      assertThat(open.isEnded()).isTrue();
    }
  }

  @Test
  void flushDuringTheDrainDeliversAndCompletes() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    FluxTracer tracer = tracer(b -> b.exporter(spans).exportScheduler(time).flushInterval(Duration.ofMinutes(1)));
    Span open = start(tracer, "open");
    CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
    time.advanceTimeBy(Duration.ofSeconds(1));
    start(tracer, "ended").end();

    CompletableFuture<FlushResult> flushed = tracer.flush().toFuture();
    time.advanceTimeBy(Duration.ofMillis(10));

    assertThat(flushed.getNow(null)).isNotNull().extracting(FlushResult::completed).isEqualTo(true);
    assertThat(spans.spans()).extracting(SpanData::name).containsExactly("ended");
    assertThat(shutdown).isNotDone();
    open.end();
    time.advanceTimeBy(Duration.ofSeconds(1));
    assertThat(shutdown.getNow(null).isClean()).isTrue();
  }

  @Test
  void theHookThenAHostsCloseWhileASpanIsOpenBothWaitForItAndGetTheSameOutcome() throws Exception {
    try (LogCapture logs = LogCapture.install()) {
      InMemorySpanExporter spans = InMemorySpanExporter.create();
      FluxTracer tracer = tracer(b -> b.exporter(spans).shutdownTimeout(WAIT).shutdownHook(true));
      Thread hook = Objects.requireNonNull(tracer.shutdownHook());
      Span open = start(tracer, "in flight");

      // As in Spring Boot: SIGTERM starts the hook, and later the host closes the tracer (and closes it again).
      CompletableFuture<Void> firstClose = CompletableFuture.runAsync(hook::run);
      await().atMost(WAIT).until(() -> logs.count("INFO", "still accepting spans while 1 open span(s)") == 1);
      CompletableFuture<Void> secondClose = CompletableFuture.runAsync(tracer::close);
      assertThat(firstClose).isNotDone();
      start(tracer, "during close").end();
      open.end();
      firstClose.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      secondClose.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      tracer.close();

      assertThat(spans.spans()).extracting(SpanData::name).containsExactlyInAnyOrder("in flight", "during close");
      FlushResult first = Objects.requireNonNull(tracer.shutdown().block(WAIT));
      assertThat(first).isSameAs(tracer.shutdown().block(WAIT));
      assertThat(first.isClean()).isTrue();
      assertThat(first.stats().exported()).isEqualTo(2);
      assertThat(logs.matching("WARN", "fluxtrace")).as(logs.text()).isEmpty();
      assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("removed by the shutdown").isFalse();
    }
  }

  @Test
  void aZeroQuietPeriodStopsAsSoonAsNothingIsOpenOrQueued() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    FluxTracer tracer = tracer(b -> b.exporter(spans).exportScheduler(time).shutdownQuietPeriod(Duration.ZERO));
    start(tracer, "ended").end();

    CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
    time.advanceTimeBy(Duration.ofMillis(100));

    assertThat(shutdown.getNow(null)).isNotNull().extracting(FlushResult::isClean).isEqualTo(true);
    assertThat(spans.spans()).hasSize(1);
  }

  @Test
  void theQuietPeriodIsValidatedInBuild() {
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).shutdownQuietPeriod(Duration.ofMillis(-1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shutdownQuietPeriod")
        .hasMessageContaining("zero or positive");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).shutdownTimeout(Duration.ofSeconds(1))
            .shutdownQuietPeriod(Duration.ofSeconds(2)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shutdownQuietPeriod")
        .hasMessageContaining("at most shutdownTimeout (PT1S)");
    assertThat(FluxTracerBuilder.DEFAULT_SHUTDOWN_QUIET_PERIOD).isEqualTo(Duration.ofMillis(200));
    assertThat(FluxTracerBuilder.DEFAULT_SHUTDOWN_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
    assertThat(FluxTracer.deliveryReserve(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(5));
    assertThat(FluxTracer.deliveryReserve(TIMEOUT)).isEqualTo(TIMEOUT.minus(DRAIN));
    assertThat(FluxTracer.deliveryReserve(Duration.ZERO)).isZero();
  }

  @Test
  void anAbandonedSpanIsNotWaitedForAndIsReported() {
    try (LogCapture logs = LogCapture.install()) {
      InMemorySpanExporter spans = InMemorySpanExporter.create();
      FluxTracer tracer = tracer(b -> b.exporter(spans).exportScheduler(time));
      abandonASpan(tracer);
      start(tracer, "kept").end();
      awaitCollected(tracer);

      CompletableFuture<FlushResult> shutdown = tracer.shutdown().toFuture();
      time.advanceTimeBy(Duration.ofSeconds(1));

      assertThat(shutdown.getNow(null)).as("did not wait for the drain deadline").isNotNull();
      assertThat(spans.spans()).extracting(SpanData::name).containsExactly("kept");
      assertThat(logs.count("WARN", "1 span(s) were never ended and were garbage-collected")).as(logs.text())
          .isEqualTo(1);
    }
  }

  private static void abandonASpan(FluxTracer tracer) {
    start(tracer, "abandoned").input("x".repeat(1_000));
  }

  /** Collects until the abandoned span is gone: the tracer then reports no open span. */
  private void awaitCollected(FluxTracer tracer) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> {
      System.gc();
      return tracer.openSpanCount() == 0;
    });
  }

  private FluxTracer tracer(UnaryOperator<FluxTracerBuilder> configuration) {
    FluxTracer tracer = configuration.apply(FluxTracer.builder(Map.of()).shutdownHook(false)
        .shutdownTimeout(TIMEOUT).shutdownQuietPeriod(QUIET)).build();
    tracers.add(tracer);
    return tracer;
  }

  private static Span start(FluxTracer tracer, String name) {
    return tracer.startSpan(name, ObservationType.SPAN, null, TraceAttributes.EMPTY);
  }
}
