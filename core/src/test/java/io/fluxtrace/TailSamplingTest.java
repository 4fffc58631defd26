package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Tail sampling in the tracer, one behaviour per test, with a virtual export scheduler and a manual span clock. A
 * sample rate of 0 makes every new trace one the rate would drop, so every trace is held; 1 makes none.
 */
@Timeout(60)
class TailSamplingTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final InMemoryScoreExporter scoreExporter = InMemoryScoreExporter.create();
  private final List<FluxTracer> tracers = new ArrayList<>();

  @AfterEach
  void shutDown() {
    for (FluxTracer tracer : tracers) {
      tracer.shutdown().subscribe();
    }
    time.advanceTimeBy(Duration.ofMinutes(10));
    time.dispose();
  }

  private FluxTracer tracer(TailSampling tail, UnaryOperator<FluxTracerBuilder> more) {
    FluxTracer tracer = more.apply(FluxTracer.builder(Map.of())
            .exporter(exporter)
            .scoreExporter(scoreExporter)
            .exportScheduler(time)
            .clock(now::get)
            .shutdownHook(false)
            .sampleRate(0.0)
            .tailSampling(tail))
        .build();
    tracers.add(tracer);
    return tracer;
  }

  private FluxTracer tracer(TailSampling tail) {
    return tracer(tail, b -> b);
  }

  private static TailSampling keepErrors() {
    return TailSampling.builder().build();
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  private FlushResult flush(FluxTracer tracer) {
    return java.util.Objects.requireNonNull(tracer.flush().block(WAIT), "flush result");
  }

  /** Every ended span in exactly one outcome, nothing left held or queued. */
  private static void assertAccountedFor(TracerStats stats) {
    assertThat(stats.sampling().heldSpans()).isZero();
    assertThat(stats.sampling().heldBytes()).isZero();
    assertThat(stats.queuedSpans()).isZero();
    assertThat(stats.spansEnded())
        .isEqualTo(stats.exported() + stats.failed() + stats.dropped() + stats.sampling().spansSampledOut());
  }

  /** A root with two children, the second of which ends as {@code child2}, then the root after {@code rootTakes}. */
  private Span trace(FluxTracer tracer, String name, boolean fail, Duration rootTakes) {
    Span root = tracer.startSpan(name, ObservationType.SPAN, null, TraceAttributes.EMPTY);
    Span child1 = tracer.startSpan(name + "-1", ObservationType.TOOL, root.context(), TraceAttributes.EMPTY);
    Span child2 = tracer.startSpan(name + "-2", ObservationType.GENERATION, child1.context(), TraceAttributes.EMPTY);
    if (fail) {
      child2.endWithError(new IllegalStateException("model down"));
    } else {
      child2.end();
    }
    child1.end();
    advance(rootTakes);
    root.end();
    return root;
  }

  @Test
  void aFailedTraceIsKeptWholeAtRateZeroAndACleanOneIsSampledOutWhole() {
    FluxTracer tracer = tracer(keepErrors());

    Span failed = trace(tracer, "failed", true, Duration.ofMillis(5));
    Span clean = trace(tracer, "clean", false, Duration.ofMillis(5));
    FlushResult result = flush(tracer);

    List<SpanData> kept = exporter.spansOfTrace(failed.context().traceId());
    assertThat(kept).extracting(SpanData::name).containsExactlyInAnyOrder("failed", "failed-1", "failed-2");
    SpanData root = kept.stream().filter(SpanData::isRoot).findFirst().orElseThrow();
    SpanData child1 = kept.stream().filter(s -> s.name().equals("failed-1")).findFirst().orElseThrow();
    SpanData child2 = kept.stream().filter(s -> s.name().equals("failed-2")).findFirst().orElseThrow();
    assertThat(child1.parentSpanId()).isEqualTo(root.spanId());
    assertThat(child2.parentSpanId()).isEqualTo(child1.spanId());
    assertThat(child2.level()).isEqualTo(ObservationLevel.ERROR);
    assertThat(exporter.spansOfTrace(clean.context().traceId())).isEmpty();
    SamplingStats sampling = result.stats().sampling();
    assertThat(sampling.tracesHeld()).isEqualTo(2);
    assertThat(sampling.tracesKept()).isEqualTo(1);
    assertThat(sampling.tracesSampledOut()).isEqualTo(1);
    assertThat(sampling.spansSampledOut()).isEqualTo(3);
    assertThat(sampling.tracesDecidedEarly()).isZero();
    assertThat(result.stats().exported()).isEqualTo(3);
    assertAccountedFor(result.stats());
  }

  @Test
  void aTraceTheRateKeepsIsExportedAsItsSpansEndWithoutBeingHeld() {
    FluxTracer tracer = tracer(keepErrors(), b -> b.sampleRate(1.0));

    Span root = tracer.startSpan("root", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("child", ObservationType.SPAN, root.context(), TraceAttributes.EMPTY).end();
    TracerStats beforeRootEnds = tracer.stats();
    root.end();

    assertThat(beforeRootEnds.enqueued()).as("the child went to the pipeline before its root ended").isEqualTo(1);
    assertThat(beforeRootEnds.sampling().heldSpans()).isZero();
    FlushResult result = flush(tracer);
    assertThat(exporter.spans()).hasSize(2);
    assertThat(result.stats().sampling().tracesHeld()).isZero();
    assertAccountedFor(result.stats());
  }

  @Test
  void theRateDecidesDeterministicallyPerTraceIdAsWithoutTailSampling() {
    FluxTracer tail = tracer(keepErrors(), b -> b.sampleRate(0.3));
    FluxTracer head = FluxTracer.builder(Map.of()).exporter(InMemorySpanExporter.create()).shutdownHook(false)
        .sampleRate(0.3).build();
    tracers.add(head);
    for (int i = 0; i < 200; i++) {
      Span root = tail.startSpan("t", ObservationType.SPAN, null, TraceAttributes.EMPTY);
      root.end();
      assertThat(tail.isSampled(root.context().traceId())).isEqualTo(head.isSampled(root.context().traceId()));
    }
    flush(tail);
    for (SpanData span : exporter.spans()) {
      assertThat(tail.isSampled(span.traceId())).as("only the rate's share of clean traces is kept").isTrue();
    }
  }

  @Test
  void aSlowRootIsKeptByTheSpanClockAndAFastOneIsNot() {
    FluxTracer tracer = tracer(TailSampling.builder().keepSlowerThan(Duration.ofSeconds(2)).build());

    Span slow = trace(tracer, "slow", false, Duration.ofSeconds(3));
    Span exactly = trace(tracer, "exactly", false, Duration.ofSeconds(2));
    Span fast = trace(tracer, "fast", false, Duration.ofMillis(10));
    FlushResult result = flush(tracer);

    assertThat(exporter.spansOfTrace(slow.context().traceId())).hasSize(3);
    assertThat(exporter.spansOfTrace(exactly.context().traceId())).as("longer than, not as long as").isEmpty();
    assertThat(exporter.spansOfTrace(fast.context().traceId())).isEmpty();
    assertAccountedFor(result.stats());
  }

  @Test
  void warningsAndCancellationsAreKeptOnlyWhenAsked() {
    FluxTracer plain = tracer(keepErrors());
    Span root = plain.startSpan("r", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    plain.startSpan("c", ObservationType.SPAN, root.context(), TraceAttributes.EMPTY).endCancelled();
    root.end();
    flush(plain);
    assertThat(exporter.spans()).isEmpty();

    FluxTracer warnings = tracer(TailSampling.builder().keepWarnings(true).build());
    Span root2 = warnings.startSpan("r", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    warnings.startSpan("c", ObservationType.SPAN, root2.context(), TraceAttributes.EMPTY).endCancelled();
    root2.end();
    flush(warnings);
    assertThat(exporter.spansOfTrace(root2.context().traceId())).extracting(SpanData::level)
        .containsExactlyInAnyOrder(ObservationLevel.WARNING, ObservationLevel.DEFAULT);
  }

  @Test
  void theUsersPredicateSeesTheEndedRootAndAThrowingOneCountsAsFalse() {
    FluxTracer tracer = tracer(TailSampling.builder()
        .keepWhen(root -> {
          if (root.name().equals("boom")) {
            throw new IllegalStateException("predicate bug");
          }
          return "vip".equals(root.traceAttributes().userId());
        })
        .build());
    TraceAttributes vip = TraceAttributes.builder().userId("vip").build();

    Span kept = tracer.startSpan("kept", ObservationType.SPAN, null, vip);
    tracer.startSpan("child", ObservationType.SPAN, kept.context(), vip).end();
    kept.end();
    tracer.startSpan("boom", ObservationType.SPAN, null, vip).end();
    tracer.startSpan("other", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
    FlushResult result = flush(tracer);

    assertThat(exporter.spans()).extracting(SpanData::name).containsExactlyInAnyOrder("kept", "child");
    assertAccountedFor(result.stats());
  }

  @Test
  void aTraceWhoseRootDoesNotEndIsDecidedAtTheTimeoutOnTheExportSchedulersClock() {
    FluxTracer tracer = tracer(TailSampling.builder().decisionTimeout(Duration.ofSeconds(10)).build());
    Span failing = tracer.startSpan("failing", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("error", ObservationType.SPAN, failing.context(), TraceAttributes.EMPTY)
        .endWithError(new RuntimeException("x"));
    Span clean = tracer.startSpan("clean", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("ok", ObservationType.SPAN, clean.context(), TraceAttributes.EMPTY).end();

    time.advanceTimeBy(Duration.ofSeconds(9));
    assertThat(tracer.stats().sampling().heldSpans()).isEqualTo(2);
    time.advanceTimeBy(Duration.ofSeconds(2));

    SamplingStats sampling = tracer.stats().sampling();
    assertThat(sampling.heldSpans()).isZero();
    assertThat(sampling.tracesDecidedEarly()).isEqualTo(2);
    assertThat(sampling.tracesKept()).isEqualTo(1);
    assertThat(sampling.spansSampledOut()).isEqualTo(1);
    // The later spans of a decided trace follow its decision.
    tracer.startSpan("late", ObservationType.SPAN, failing.context(), TraceAttributes.EMPTY).end();
    failing.end();
    tracer.startSpan("late", ObservationType.SPAN, clean.context(), TraceAttributes.EMPTY).end();
    clean.end();
    FlushResult result = flush(tracer);
    assertThat(exporter.spans()).extracting(SpanData::name).containsExactlyInAnyOrder("error", "late", "failing");
    assertThat(result.stats().sampling().spansSampledOut()).isEqualTo(3);
    assertAccountedFor(result.stats());
  }

  @Test
  void flushDecidesEverythingHeldAndItsResultCoversTheReleasedSpans() {
    FluxTracer tracer = tracer(TailSampling.builder().keepSlowerThan(Duration.ofSeconds(1)).build());
    Span failing = tracer.startSpan("failing", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("error", ObservationType.SPAN, failing.context(), TraceAttributes.EMPTY)
        .endWithError(new RuntimeException("x"));
    Span slow = tracer.startSpan("slow", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("ok", ObservationType.SPAN, slow.context(), TraceAttributes.EMPTY).end();
    advance(Duration.ofSeconds(2));
    Span young = tracer.startSpan("young", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("ok2", ObservationType.SPAN, young.context(), TraceAttributes.EMPTY).end();

    FlushResult result = flush(tracer);

    assertThat(result.completed()).isTrue();
    assertThat(result.stats().exported()).as("the flush covered the released spans").isEqualTo(2);
    assertThat(exporter.spans()).extracting(SpanData::name).containsExactlyInAnyOrder("error", "ok");
    assertThat(result.stats().sampling().tracesDecidedEarly()).isEqualTo(3);
    assertThat(result.stats().sampling().heldSpans()).isZero();
    failing.end();
    slow.end();
    young.end();
    assertAccountedFor(flush(tracer).stats());
    assertThat(exporter.spans()).extracting(SpanData::name)
        .containsExactlyInAnyOrder("error", "ok", "failing", "slow");
  }

  @Test
  void theHoldIsBoundedInTotalAndNewTracesThenGetTheRatesDecisionCounted() {
    FluxTracer tracer = tracer(TailSampling.builder().maxHeldSpans(4).build());
    List<Span> roots = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Span root = tracer.startSpan("r" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY);
      tracer.startSpan("c" + i, ObservationType.SPAN, root.context(), TraceAttributes.EMPTY).end();
      roots.add(root);
    }
    assertThat(tracer.stats().sampling().heldSpans()).isEqualTo(4);

    Span overflow = tracer.startSpan("overflow", ObservationType.SPAN, null, TraceAttributes.EMPTY);

    assertThat(overflow.isRecording()).as("the rate (0) decides it at once").isFalse();
    assertThat(tracer.stats().sampling().tracesNotHeldHoldFull()).isEqualTo(1);
    roots.forEach(Span::end);
    assertAccountedFor(flush(tracer).stats());
  }

  @Test
  void aTraceThatReachesItsOwnBoundIsDecidedThenAndItsLaterSpansFollow() {
    FluxTracer tracer = tracer(TailSampling.builder().maxHeldSpansPerTrace(3).build());
    Span root = tracer.startSpan("root", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("e", ObservationType.SPAN, root.context(), TraceAttributes.EMPTY)
        .endWithError(new RuntimeException("x"));
    for (int i = 0; i < 5; i++) {
      tracer.startSpan("c" + i, ObservationType.SPAN, root.context(), TraceAttributes.EMPTY).end();
    }
    SamplingStats sampling = tracer.stats().sampling();
    assertThat(sampling.tracesDecidedEarly()).isEqualTo(1);
    assertThat(sampling.tracesKept()).isEqualTo(1);
    root.end();

    FlushResult result = flush(tracer);
    assertThat(exporter.spans()).hasSize(7);
    assertAccountedFor(result.stats());
  }

  @Test
  void heldAndQueuedSpansStayWithinTheTracersBoundsWithTheBackendDown() {
    SpanExporter down = batch -> Mono.never();
    FluxTracer tracer = FluxTracer.builder(Map.of())
        .exporter(down)
        .exportScheduler(time)
        .clock(now::get)
        .shutdownHook(false)
        .sampleRate(0.0)
        .maxQueuedSpans(400)
        .maxQueuedBytes(400_000)
        .flushAt(50)
        .tailSampling(TailSampling.builder().maxHeldSpans(100).maxHeldBytes(100_000).build())
        .build();
    tracers.add(tracer);
    long peak = 0;
    for (int i = 0; i < 3_000; i++) {
      Span root = tracer.startSpan("r", ObservationType.SPAN, null, TraceAttributes.EMPTY);
      Span child = tracer.startSpan("c", ObservationType.SPAN, root.context(), TraceAttributes.EMPTY)
          .input("x".repeat(500));
      if (i % 2 == 0) {
        child.endWithError(new RuntimeException("x"));
      } else {
        child.end();
      }
      if (i % 3 != 0) {
        root.end(); // a third stays open, so the hold fills up
      }
      TracerStats stats = tracer.stats();
      assertThat(stats.sampling().heldSpans()).isLessThanOrEqualTo(100);
      assertThat(stats.sampling().heldBytes()).isLessThanOrEqualTo(100_000);
      assertThat(stats.queuedSpans() + stats.sampling().heldSpans()).isLessThanOrEqualTo(400);
      assertThat(stats.queuedBytes() + stats.sampling().heldBytes()).isLessThanOrEqualTo(400_000);
      peak = Math.max(peak, stats.queuedBytes() + stats.sampling().heldBytes());
      time.advanceTimeBy(Duration.ofMillis(100));
    }
    TracerStats stats = tracer.stats();
    assertThat(stats.droppedQueueFull()).as("the pipeline filled up").isPositive();
    assertThat(stats.sampling().tracesNotHeldHoldFull()).as("the hold filled up").isPositive();
    assertThat(peak).as("held and queued together reached most of maxQueuedBytes").isGreaterThan(200_000);
    assertThat(stats.spansEnded()).isEqualTo(stats.exported() + stats.failed() + stats.dropped()
        + stats.sampling().spansSampledOut() + stats.queuedSpans() + stats.sampling().heldSpans());
  }

  @Test
  void shutdownEndsOpenRootsAndReleasesWhatIsHeld() {
    FluxTracer tracer = tracer(keepErrors(), b -> b.shutdownTimeout(Duration.ofSeconds(4))
        .shutdownQuietPeriod(Duration.ZERO));
    Span failing = tracer.startSpan("failing", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("error", ObservationType.SPAN, failing.context(), TraceAttributes.EMPTY)
        .endWithError(new RuntimeException("x"));
    Span open = tracer.startSpan("open", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.startSpan("ok", ObservationType.SPAN, open.context(), TraceAttributes.EMPTY).end();

    Mono<FlushResult> shutdown = tracer.shutdown().cache();
    shutdown.subscribe();
    time.advanceTimeBy(Duration.ofSeconds(5));
    FlushResult result = java.util.Objects.requireNonNull(shutdown.block(WAIT), "shutdown result");

    // The roots still open were ended by shutdown (WARNING): the failing trace is kept for its error, the other
    // is decided by the rate (0), as warnings are not kept here.
    assertThat(exporter.spans()).extracting(SpanData::name).containsExactlyInAnyOrder("failing", "error");
    assertAccountedFor(result.stats());
    assertThat(result.stats().sampling().tracesKept() + result.stats().sampling().tracesSampledOut()).isEqualTo(2);
  }

  @Test
  void scoresOfASampledOutTraceAreDroppedAndCountedAndThoseOfAKeptOneWaitForTheDecision() {
    FluxTracer tracer = tracer(keepErrors());
    Span kept = tracer.startSpan("kept", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    Span out = tracer.startSpan("out", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.score(Score.numeric("while-held", 1).traceId(kept.context().traceId()).build());
    tracer.score(Score.numeric("while-held", 1).traceId(out.context().traceId()).build());
    assertThat(tracer.stats().sampling().heldScores()).isEqualTo(2);
    kept.endWithError(new RuntimeException("x"));
    out.end();
    // After the trace ended: the remembered decision applies.
    tracer.score(Score.numeric("after", 1).traceId(kept.context().traceId()).build());
    tracer.score(Score.numeric("after", 1).traceId(out.context().traceId()).build());
    tracer.score(Score.numeric("elsewhere", 1).traceId(TraceIds.newTraceId()).build());

    FlushResult result = flush(tracer);

    assertThat(scoreExporter.scores()).extracting(s -> s.name() + "@" + (kept.context().traceId().equals(s.traceId())
            ? "kept" : "other"))
        .containsExactlyInAnyOrder("while-held@kept", "after@kept", "elsewhere@other");
    ScoreStats scores = result.stats().scores();
    assertThat(scores.droppedSampledOut()).isEqualTo(2);
    assertThat(scores.recorded()).isEqualTo(5);
    assertThat(scores.recorded()).isEqualTo(scores.exported() + scores.failed() + scores.dropped());
    assertThat(result.stats().sampling().heldScores()).isZero();
  }

  @Test
  void scoresOfSampledOutTracesAreKeptWhenConfigured() {
    FluxTracer tracer = tracer(TailSampling.builder().keepScoresOfSampledOutTraces(true).build());
    Span out = tracer.startSpan("out", ObservationType.SPAN, null, TraceAttributes.EMPTY);
    tracer.score(Score.numeric("held", 1).traceId(out.context().traceId()).build());
    out.end();
    tracer.score(Score.numeric("after", 1).traceId(out.context().traceId()).build());

    FlushResult result = flush(tracer);

    assertThat(scoreExporter.scores()).extracting(s -> s.name()).containsExactlyInAnyOrder("held", "after");
    assertThat(result.stats().scores().droppedSampledOut()).isZero();
  }

  @Test
  void aJoinedTraceFollowsTheCallersFlagUnlessConfiguredToDecideHere() {
    SpanContext callerSampledOut = SpanContext.remote(TraceIds.newTraceId(), TraceIds.newSpanId(), false);
    SpanContext callerSampled = SpanContext.remote(TraceIds.newTraceId(), TraceIds.newSpanId(), true);

    FluxTracer follow = tracer(keepErrors());
    Span notRecorded = follow.startSpan("here", ObservationType.SPAN, callerSampledOut, TraceAttributes.EMPTY);
    assertThat(notRecorded.isRecording()).as("a caller's sampled=0 trace is not recorded, even if it fails").isFalse();
    notRecorded.endWithError(new RuntimeException("x"));
    Span sampled = follow.startSpan("here", ObservationType.SPAN, callerSampled, TraceAttributes.EMPTY);
    sampled.end();
    flush(follow);
    assertThat(exporter.spans()).extracting(SpanData::traceId).containsExactly(callerSampled.traceId());
    exporter.reset();

    FluxTracer decide = tracer(TailSampling.builder().decideJoinedTraces(true).build());
    Span failing = decide.startSpan("failing", ObservationType.SPAN, callerSampledOut, TraceAttributes.EMPTY);
    decide.startSpan("child", ObservationType.SPAN, failing.context(), TraceAttributes.EMPTY).end();
    failing.endWithError(new RuntimeException("x"));
    SpanContext other = SpanContext.remote(TraceIds.newTraceId(), TraceIds.newSpanId(), false);
    decide.startSpan("clean", ObservationType.SPAN, other, TraceAttributes.EMPTY).end();
    FlushResult result = flush(decide);

    assertThat(exporter.spans()).extracting(SpanData::name).containsExactlyInAnyOrder("failing", "child");
    SpanData root = exporter.spans().stream().filter(s -> s.name().equals("failing")).findFirst().orElseThrow();
    assertThat(root.parentSpanId()).isEqualTo(callerSampledOut.spanId());
    assertThat(root.parentRemote()).isTrue();
    assertAccountedFor(result.stats());
  }

  @Test
  void holdBoundsAreValidatedAgainstTheTracersBoundsNamingTheSetting() {
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).exporter(exporter).maxQueuedSpans(100)
        .tailSampling(TailSampling.builder().maxHeldSpans(100).build()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxHeldSpans");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of()).exporter(exporter).maxQueuedBytes(4096)
        .tailSampling(TailSampling.builder().maxHeldBytes(4000).build()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxHeldBytes");
    assertThatThrownBy(() -> TailSampling.builder().decisionTimeout(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("decisionTimeout");
    assertThatThrownBy(() -> TailSampling.builder().maxHeldSpansPerTrace(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxHeldSpansPerTrace");
  }

  @Test
  void aFailingExportOfAKeptTraceIsCountedAsFailedNotLost() {
    SpanExporter failing = batch -> Mono.just(ExportResult.failure(batch.size(), FailureReason.BAD_REQUEST));
    FluxTracer tracer = FluxTracer.builder(Map.of()).exporter(failing).exportScheduler(time).clock(now::get)
        .shutdownHook(false).sampleRate(0.0).tailSampling(keepErrors()).build();
    tracers.add(tracer);
    trace(tracer, "failed", true, Duration.ofMillis(1));
    trace(tracer, "clean", false, Duration.ofMillis(1));

    FlushResult result = flush(tracer);

    assertThat(result.stats().failed(FailureReason.BAD_REQUEST)).isEqualTo(3);
    assertThat(result.stats().sampling().spansSampledOut()).isEqualTo(3);
    assertAccountedFor(result.stats());
  }
}
