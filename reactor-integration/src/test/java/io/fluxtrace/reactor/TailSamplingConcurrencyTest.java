package io.fluxtrace.reactor;

import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.SamplingStats;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.SpanData;
import io.fluxtrace.TailSampling;
import io.fluxtrace.TracerStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Tail sampling under concurrency: 10,000 traced requests at a sample rate of 0.1, 3% failing and 2% slow, each a
 * nested pipeline that hops between parallel and boundedElastic threads, streams a generation, cancels a step and
 * scores its trace while the trace is still held. Slowness comes from a virtual clock (the tracer's clock reads it,
 * and the slow requests wait while it is advanced), never from real time.
 */
class TailSamplingConcurrencyTest {

  private static final int REQUESTS = 10_000;
  private static final double RATE = 0.1;
  private static final Duration SLOWER_THAN = Duration.ofSeconds(5);
  private static final Duration SLOW_TAKES = Duration.ofSeconds(10);
  private static final long BASE_EPOCH_NANOS = 1_700_000_000_000_000_000L;

  /** The spans of one request, by name. */
  private static final Set<String> TREE = Set.of("request", "search", "tool", "answer", "partial");

  enum Kind { FAILING, SLOW, NORMAL }

  record Chunk(String text, @Nullable Map<String, Long> usage) {}

  record Result(int request, Kind kind, String traceId) {}

  private final VirtualTimeScheduler clock = VirtualTimeScheduler.create();
  private final TracingFixture fx = TracingFixture.configured(b -> b
      .sampleRate(RATE)
      .clock(() -> BASE_EPOCH_NANOS + clock.now(NANOSECONDS))
      .tailSampling(TailSampling.builder().keepSlowerThan(SLOWER_THAN).build()));
  private final ReactorTracing tracing = fx.tracing;
  private final Sinks.Empty<Void> slowGate = Sinks.empty();
  private final AtomicInteger slowWaiting = new AtomicInteger();
  private final AtomicInteger done = new AtomicInteger();

  @AfterEach
  void close() {
    fx.close();
    clock.dispose();
  }

  private static Kind kind(int i) {
    int k = i % 100;
    return k < 3 ? Kind.FAILING : k < 5 ? Kind.SLOW : Kind.NORMAL;
  }

  private Mono<Result> request(int i) {
    String q = "q-" + i;
    Kind kind = kind(i);

    Mono<String> search = Mono.fromCallable(() -> q + "-doc")
        .subscribeOn(Schedulers.boundedElastic())
        .transform(tracing.retriever("search").input(q).mono())
        .publishOn(Schedulers.parallel());

    Mono<String> tool = Mono.defer(() -> kind == Kind.FAILING
            ? Mono.<String>error(new IllegalStateException("tool failed for " + q))
            : Mono.just(q + "-tool"))
        .publishOn(i % 2 == 0 ? Schedulers.parallel() : Schedulers.boundedElastic())
        .transform(tracing.tool("tool").input(q).mono())
        // The request recovers: only the tool's span carries the error, the root does not.
        .onErrorResume(IllegalStateException.class, e -> Mono.just("fallback"));

    Mono<String> answer = Flux.range(0, 3)
        .map(k -> new Chunk(q + "#" + k, k == 2 ? Map.of("output", 3L) : null))
        .publishOn(Schedulers.boundedElastic())
        .transform(tracing.generation("answer")
            .model("test-model")
            .input(q)
            .usage(Chunk::usage)
            .flux(Collectors.mapping(Chunk::text, Collectors.joining(" "))))
        .map(Chunk::text)
        .collect(Collectors.joining(" "));

    // Cancelled after two of ten elements: ends with level WARNING.
    Mono<List<Integer>> partial = Flux.range(0, 10)
        .subscribeOn(Schedulers.parallel())
        .transform(tracing.span("partial").flux())
        .take(2)
        .collectList();

    Mono<String> work = search
        .flatMap(docs -> Mono.zip(tool, answer, partial))
        .flatMap(t -> tracing.<String>scoreTrace(() -> Score.numeric("quality", 1)).thenReturn("scored"));
    if (kind == Kind.SLOW) {
      // Waits on a gate rather than on a virtual delay: a delay is put on the clock only after doOnSubscribe has
      // counted it, so on a loaded machine the clock could be advanced before the last one was on it, and that
      // request would wait forever. A gate opened before a request reaches it lets that request through at once.
      work = work.flatMap(s -> slowGate.asMono()
          .doOnSubscribe(sub -> slowWaiting.incrementAndGet())
          .thenReturn(s));
    }
    return work
        .publishOn(Schedulers.parallel())
        .flatMap(s -> TraceContext.currentTraceId())
        .transform(tracing.chain("request").input(q).mono())
        .map(traceId -> new Result(i, kind, traceId))
        .doOnNext(r -> done.incrementAndGet())
        .contextWrite(TraceContext.userId("user-" + i));
  }

  @Test
  @Timeout(300)
  void everyFailingAndEverySlowTraceArrivesWholeAndTheOthersAtTheRateExactlyAccountedFor() throws Exception {
    int slow = (int) java.util.stream.IntStream.range(0, REQUESTS).filter(i -> kind(i) == Kind.SLOW).count();
    int failing = (int) java.util.stream.IntStream.range(0, REQUESTS).filter(i -> kind(i) == Kind.FAILING).count();
    CompletableFuture<List<Result>> all = Flux.range(0, REQUESTS)
        .flatMap(this::request, 1_000)
        .collectList()
        .toFuture();

    // Every fast request finishes and every slow one waits on its virtual delay; then 10 s pass on the clock.
    await().atMost(Duration.ofSeconds(200))
        .until(() -> done.get() == REQUESTS - slow && slowWaiting.get() == slow);
    assertThat(fx.tracer.stats().sampling().heldSpans()).as("the slow traces the rate drops are held").isPositive();
    clock.advanceTimeBy(SLOW_TAKES);
    slowGate.tryEmitEmpty();
    List<Result> results = all.get(200, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(results).hasSize(REQUESTS);

    List<SpanData> spans = fx.spans();
    Map<String, List<SpanData>> byTrace = spans.stream().collect(Collectors.groupingBy(SpanData::traceId));
    assertThat(results).extracting(Result::traceId).doesNotHaveDuplicates();
    int normal = 0;
    int normalKept = 0;
    int kept = 0;
    int heldKept = 0;
    for (Result result : results) {
      List<SpanData> trace = byTrace.get(result.traceId());
      boolean rateKeeps = fx.tracer.isSampled(result.traceId());
      if (result.kind() == Kind.NORMAL) {
        normal++;
        assertThat(trace != null).as("a clean trace is kept exactly when the rate keeps its id (%s)", result)
            .isEqualTo(rateKeeps);
        if (trace != null) {
          normalKept++;
        }
      } else if (!rateKeeps) {
        heldKept++;
      }
      if (trace != null) {
        kept++;
        assertWhole(result, trace);
      } else {
        assertThat(result.kind()).isEqualTo(Kind.NORMAL);
      }
    }
    assertThat(byTrace).hasSize(kept);
    // Binomial(9,500, 0.1): mean 950, standard deviation 29.2; five of them either side fail once in ~1.7 million runs.
    double sd = Math.sqrt(normal * RATE * (1 - RATE));
    assertThat((double) normalKept).as("clean traces kept").isBetween(normal * RATE - 5 * sd, normal * RATE + 5 * sd);

    TracerStats stats = fx.tracer.stats();
    SamplingStats sampling = stats.sampling();
    long traces = REQUESTS;
    assertThat(stats.spansStarted()).isEqualTo(traces * TREE.size());
    assertThat(stats.spansEnded()).isEqualTo(traces * TREE.size());
    assertThat(stats.exported()).isEqualTo((long) kept * TREE.size());
    assertThat(sampling.spansSampledOut()).isEqualTo((traces - kept) * TREE.size());
    assertThat(stats.spansEnded()).isEqualTo(stats.exported() + sampling.spansSampledOut());
    assertThat(stats.failed()).isZero();
    assertThat(stats.dropped()).isZero();
    assertThat(sampling.tracesHeld()).isEqualTo(traces - (kept - heldKept));
    assertThat(sampling.tracesKept()).isEqualTo(heldKept);
    assertThat(sampling.tracesSampledOut()).isEqualTo(traces - kept);
    assertThat(sampling.tracesDecidedEarly()).isZero();
    assertThat(sampling.tracesNotHeldHoldFull()).isZero();
    assertThat(sampling.heldSpans()).isZero();
    assertThat(sampling.heldBytes()).isZero();
    assertThat(sampling.heldScores()).isZero();
    assertThat(stats.mutationsAfterEnd()).isZero();
    assertThat(tracing.functionFailures()).isZero();

    // One score per request, recorded while its trace was held: delivered with kept traces, dropped with the others.
    List<ScoreData> scores = fx.scores();
    assertThat(scores).hasSize(kept);
    assertThat(scores).extracting(ScoreData::traceId).containsExactlyInAnyOrderElementsOf(byTrace.keySet());
    assertThat(stats.scores().droppedSampledOut()).isEqualTo(traces - kept);
    assertThat(failing + slow).isLessThanOrEqualTo(kept);
  }

  /** All five spans, the right parents and attributes, and the streaming generation and the cancellation intact. */
  private static void assertWhole(Result result, List<SpanData> trace) {
    String q = "q-" + result.request();
    assertThat(trace).extracting(SpanData::name).as("spans of %s", result).containsExactlyInAnyOrderElementsOf(TREE);
    SpanData root = only(trace, "request");
    assertThat(root.parentSpanId()).isNull();
    assertThat(root.level()).isEqualTo(ObservationLevel.DEFAULT);
    assertThat(root.output()).isEqualTo("\"" + result.traceId() + "\"");
    for (SpanData span : trace) {
      assertThat(span.traceAttributes().userId()).isEqualTo("user-" + result.request());
      if (span != root) {
        assertThat(span.parentSpanId()).as("parent of %s in %s", span.name(), result).isEqualTo(root.spanId());
      }
    }
    long rootNanos = root.endEpochNanos() - root.startEpochNanos();
    if (result.kind() == Kind.SLOW) {
      assertThat(rootNanos).isGreaterThan(SLOWER_THAN.toNanos());
    } else {
      assertThat(rootNanos).isLessThanOrEqualTo(SLOWER_THAN.toNanos());
    }
    SpanData tool = only(trace, "tool");
    if (result.kind() == Kind.FAILING) {
      assertThat(tool.level()).isEqualTo(ObservationLevel.ERROR);
      assertThat(tool.statusMessage()).isEqualTo("java.lang.IllegalStateException: tool failed for " + q);
    } else {
      assertThat(tool.level()).isEqualTo(ObservationLevel.DEFAULT);
      assertThat(tool.output()).isEqualTo("\"" + q + "-tool\"");
    }
    SpanData answer = only(trace, "answer");
    assertThat(answer.output()).isEqualTo("\"" + q + "#0 " + q + "#1 " + q + "#2\"");
    GenerationData generation = Objects.requireNonNull(answer.generation());
    assertThat(generation.model()).isEqualTo("test-model");
    assertThat(generation.usageDetails()).isEqualTo(Map.of("output", 3L));
    assertThat(generation.completionStartEpochNanos()).isBetween(answer.startEpochNanos(), answer.endEpochNanos());
    SpanData partial = only(trace, "partial");
    assertThat(partial.level()).isEqualTo(ObservationLevel.WARNING);
    assertThat(partial.statusMessage()).isEqualTo("cancelled");
  }

  private static SpanData only(List<SpanData> trace, String name) {
    List<SpanData> named = trace.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(named).as("spans named %s", name).hasSize(1);
    return named.get(0);
  }
}
