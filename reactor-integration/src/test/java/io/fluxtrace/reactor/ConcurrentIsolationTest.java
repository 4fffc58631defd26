package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.SpanData;
import io.fluxtrace.TracerStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The failure this product exists to end: thousands of requests at once, each a nested pipeline that hops between
 * threads, fans out, zips, streams, retries and times out. Afterwards every trace has exactly its own tree, and not
 * one span is filed under another request.
 */
class ConcurrentIsolationTest {

  private static final int REQUESTS = 2_000;

  /** The spans of one request, by type and name, and how many of each. */
  private static final Map<String, Long> EXPECTED_TREE = Map.ofEntries(
      Map.entry("chain request", 1L),
      Map.entry("retriever search", 1L),
      Map.entry("tool tool-0", 1L),
      Map.entry("tool tool-1", 1L),
      Map.entry("tool tool-2", 1L),
      Map.entry("agent plan", 1L),
      Map.entry("embedding embed", 1L),
      Map.entry("guardrail guard", 2L),
      Map.entry("evaluator judge", 1L),
      Map.entry("generation answer", 1L));

  record Chunk(String text, @Nullable Map<String, Long> usage) {}

  record Result(int request, String traceId) {}

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;

  @AfterEach
  void close() {
    fx.close();
  }

  private Mono<Result> request(int i) {
    String q = "q-" + i;
    AtomicInteger guardAttempts = new AtomicInteger();

    Mono<List<String>> search = Mono.fromCallable(() -> List.of(q + "-doc"))
        .subscribeOn(Schedulers.boundedElastic())
        .transform(tracing.retriever("search").input(q).mono())
        .publishOn(Schedulers.parallel());

    Mono<List<String>> tools = Flux.range(0, 3)
        .flatMap(k -> Mono.fromSupplier(() -> q + "-tool-" + k)
            .publishOn(k % 2 == 0 ? Schedulers.parallel() : Schedulers.boundedElastic())
            .transform(tracing.tool("tool-" + k).input(q + "-" + k).mono()))
        .collectList()
        .contextWrite(TraceContext.tags("tools"));

    Mono<String> plan = Mono.zip(
            Mono.fromSupplier(() -> "plan for " + q)
                .publishOn(Schedulers.parallel())
                .transform(tracing.agent("plan").input(q).mono()),
            Mono.fromSupplier(() -> List.of((double) i))
                .subscribeOn(Schedulers.boundedElastic())
                .transform(tracing.embedding("embed").input(q).mono()))
        .map(t -> t.getT1());

    Mono<String> guard = Mono.defer(() -> guardAttempts.incrementAndGet() == 1
            ? Mono.<String>error(new IllegalStateException("transient failure of " + q))
            : Mono.just("allowed"))
        .subscribeOn(Schedulers.parallel())
        .transform(tracing.guardrail("guard").input(q).mono())
        .retry(2);

    Mono<String> judge = Mono.<String>never()
        .transform(tracing.evaluator("judge").input(q).mono())
        .timeout(Duration.ofMillis(50), Mono.just("no verdict"));

    Flux<Chunk> answer = Flux.range(0, 5)
        .map(k -> new Chunk(q + "#" + k, k == 4 ? Map.of("output", 5L) : null))
        .publishOn(Schedulers.boundedElastic())
        .transform(tracing.generation("answer")
            .model("test-model")
            .input(q)
            .usage(Chunk::usage)
            .flux(Collectors.mapping(Chunk::text, Collectors.joining(" "))));

    return search
        .flatMap(docs -> Mono.zip(tools, plan, guard, judge))
        .flatMap(t -> answer.map(Chunk::text).collect(Collectors.joining(" ")))
        .flatMap(text -> TraceContext.currentTraceId())
        .transform(tracing.chain("request").input(q).mono())
        .map(traceId -> new Result(i, traceId))
        .contextWrite(TraceContext.userId("user-" + i))
        .contextWrite(TraceContext.sessionId("session-" + i));
  }

  @Test
  @Timeout(120)
  void everyConcurrentTraceHasExactlyItsOwnTree() {
    List<Result> results = Objects.requireNonNull(Flux.range(0, REQUESTS)
        .flatMap(this::request, REQUESTS)
        .collectList()
        .block(Duration.ofSeconds(90)));
    assertThat(results).hasSize(REQUESTS);

    List<SpanData> spans = fx.spans();
    assertThat(spans).hasSize(REQUESTS * 11);
    Map<String, List<SpanData>> byTrace = spans.stream().collect(Collectors.groupingBy(SpanData::traceId));
    assertThat(byTrace).hasSize(REQUESTS);
    assertThat(results).extracting(Result::traceId).doesNotHaveDuplicates();

    for (Result result : results) {
      assertTraceOfRequest(result.request(), Objects.requireNonNull(byTrace.get(result.traceId())));
    }
    TracerStats stats = fx.tracer.stats();
    assertThat(stats.spansEnded()).isEqualTo(stats.spansStarted()).isEqualTo(REQUESTS * 11L);
    assertThat(stats.mutationsAfterEnd()).isZero();
    assertThat(tracing.functionFailures()).isZero();
  }

  private static void assertTraceOfRequest(int i, List<SpanData> trace) {
    String q = "q-" + i;
    assertThat(trace.stream().collect(Collectors.groupingBy(s -> s.type().wireName() + " " + s.name(),
            Collectors.counting())))
        .as("tree of request %d", i)
        .isEqualTo(EXPECTED_TREE);

    SpanData root = only(trace, "request");
    assertThat(root.parentSpanId()).isNull();
    assertThat(root.input()).isEqualTo("\"" + q + "\"");
    assertThat(root.output()).isEqualTo("\"" + root.traceId() + "\"");
    Set<String> ids = trace.stream().map(SpanData::spanId).collect(Collectors.toSet());
    Map<String, SpanData> byName = trace.stream().collect(Collectors.toMap(SpanData::name, Function.identity(),
        (a, b) -> a));
    for (SpanData span : trace) {
      assertThat(span.traceAttributes().userId()).as("user of %s in request %d", span.name(), i)
          .isEqualTo("user-" + i);
      assertThat(span.traceAttributes().sessionId()).isEqualTo("session-" + i);
      if (span != root) {
        assertThat(span.parentSpanId()).as("parent of %s in request %d", span.name(), i)
            .isEqualTo(root.spanId())
            .isIn(ids);
      }
    }
    assertThat(trace).filteredOn(s -> s.name().startsWith("tool-")).allSatisfy(tool -> {
      assertThat(tool.input()).isEqualTo("\"" + q + "-" + tool.name().substring("tool-".length()) + "\"");
      assertThat(tool.output()).isEqualTo("\"" + q + "-" + tool.name() + "\"");
      assertThat(tool.traceAttributes().tags()).containsExactly("tools");
    });
    assertThat(root.traceAttributes().tags()).isEmpty();
    for (String name : List.of("search", "plan", "embed", "judge", "answer")) {
      assertThat(byName.get(name)).extracting(SpanData::input).isEqualTo("\"" + q + "\"");
    }
    assertThat(trace).filteredOn(s -> s.name().equals("guard")).extracting(SpanData::level)
        .containsExactlyInAnyOrder(ObservationLevel.ERROR, ObservationLevel.DEFAULT);
    assertThat(only(trace, "judge").level()).isEqualTo(ObservationLevel.WARNING);

    SpanData answer = only(trace, "answer");
    assertThat(answer.output()).isEqualTo("\"" + q + "#0 " + q + "#1 " + q + "#2 " + q + "#3 " + q + "#4\"");
    GenerationData generation = Objects.requireNonNull(answer.generation());
    assertThat(generation.usageDetails()).isEqualTo(Map.of("output", 5L));
    assertThat(generation.completionStartEpochNanos()).isBetween(answer.startEpochNanos(), answer.endEpochNanos());
  }

  private static SpanData only(List<SpanData> trace, String name) {
    List<SpanData> named = trace.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(named).as("spans named %s", name).hasSize(1);
    return named.get(0);
  }
}
