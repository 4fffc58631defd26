package io.fluxtrace.experiments;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static io.fluxtrace.testing.OtlpJson.parentSpanId;
import static io.fluxtrace.testing.OtlpJson.spanId;
import static io.fluxtrace.testing.OtlpJson.traceId;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A run of 1,000 dataset items at concurrency 50 against the stand-in Langfuse, with a fake LLM task (a traced
 * pipeline with thread hops), two item-level evaluators (one of them a traced LLM judge) and a run-level one; some
 * tasks throw and some time out. Checks every span of every item's trace, every score, the aggregates and the
 * delivery.
 */
class ExperimentRunTest {

  private static final int ITEMS = 1000;
  private static final String[] RUN_KEYS = {"langfuse.experiment.id", "langfuse.experiment.name",
      "langfuse.experiment.description", "langfuse.experiment.metadata", "langfuse.experiment.dataset.id"};
  private static final String[] ITEM_KEYS = {"langfuse.experiment.item.id", "langfuse.experiment.item.version",
      "langfuse.experiment.item.metadata", "langfuse.experiment.item.root_observation_id",
      "langfuse.experiment.item.expected_output"};

  private final ObjectMapper json = new ObjectMapper();
  private final StandInLangfuse langfuse = new StandInLangfuse();
  private final FluxTracer tracer = langfuse.tracer();
  private final ReactorTracing tracing = ReactorTracing.create(tracer);

  @AfterEach
  void close() {
    tracer.close();
    langfuse.close();
  }

  private static int index(ExperimentItem item) {
    return Integer.parseInt(String.valueOf(item.input()).substring("question ".length()));
  }

  /** A fake LLM: a retrieval step and a generation, with thread hops; wrong on every tenth item. */
  private Mono<String> fakeLlm(ExperimentItem item) {
    int i = index(item);
    if (i % 100 == 7) {
      throw new IllegalStateException("boom on item " + i);
    }
    if (i % 100 == 42) {
      return Mono.<String>never().transform(tracing.generation("fake-llm").model("fake-1").mono());
    }
    Mono<String> retrieve = Mono.fromCallable(() -> "context " + i)
        .subscribeOn(Schedulers.parallel())
        .transform(tracing.retriever("retrieve").input(item.input()).mono());
    return retrieve
        .flatMap(context -> Mono.delay(Duration.ofMillis(ThreadLocalRandom.current().nextInt(3)))
            .map(tick -> i % 10 == 3 ? "wrong " + i : "answer " + i)
            .transform(tracing.generation("fake-llm").model("fake-1").input(context).mono()))
        .publishOn(Schedulers.boundedElastic());
  }

  /** An LLM judge: itself a traced generation. */
  private Mono<List<Evaluation>> judge(@Nullable Object output, @Nullable Object expected) {
    return Mono.fromCallable(() -> Objects.equals(output, expected) ? "good" : "bad")
        .subscribeOn(Schedulers.parallel())
        .transform(tracing.generation("judge-llm").model("judge-1").mono())
        .map(verdict -> List.of(Evaluation.categorical("verdict", verdict).withComment("the judge says so")));
  }

  @Test
  void everyItemIsTracedWithTheExperimentAttributesScoredOnceAndAggregated() throws Exception {
    langfuse.dataset("capitals", ITEMS, 5);
    List<Progress> reports = new ArrayList<>();

    ExperimentResult result = Experiment.builder(tracer)
        .name("capitals-eval")
        .runName("capitals-eval run 1")
        .description("fake LLM against the golden set")
        .metadata("model", "fake-1")
        .dataset("capitals")
        .pageSize(50)
        .task(this::fakeLlm)
        .evaluator("exact_match", (input, output, expected, metadata) ->
            Mono.just(List.of(Evaluation.bool("exact_match", Objects.equals(output, expected)))))
        .evaluator("judge", (input, output, expected, metadata) -> judge(output, expected))
        .runEvaluator("mean_exact_match", results -> Mono.just(List.of(Evaluation.numeric("mean_exact_match",
            results.stream().filter(r -> !r.failed()).mapToDouble(r -> r.evaluations().get(0).numericValue())
                .average().orElse(0)))))
        .concurrency(50)
        .itemTimeout(Duration.ofSeconds(2))
        .progress(reports::add, Duration.ZERO)
        .build()
        .runBlocking(Duration.ofMinutes(5));

    assertThat(langfuse.violations()).isEmpty();
    assertThat(result.delivery().completed()).isTrue();
    assertThat(result.delivery().isClean()).isTrue();
    assertThat(result.datasetId()).isEqualTo("ds-capitals");
    assertThat(result.runName()).isEqualTo("capitals-eval run 1");

    // Every item, in order, once; 10 thrown and 10 timed out, recorded, and the run went on.
    List<ItemResult> items = result.items();
    assertThat(items).hasSize(ITEMS);
    for (int i = 0; i < ITEMS; i++) {
      ItemResult item = items.get(i);
      assertThat(item.item().id()).isEqualTo("item-" + i);
      assertThat(item.traceUrl()).isEqualTo(langfuse.baseUrl() + "/trace/" + item.traceId());
      if (i % 100 == 7) {
        assertThat(item.error()).contains("IllegalStateException", "boom on item " + i);
      } else if (i % 100 == 42) {
        assertThat(item.error()).contains("TimeoutException", "did not finish within PT2S");
      } else {
        assertThat(item.error()).isNull();
        assertThat(item.output()).isEqualTo(i % 10 == 3 ? "wrong " + i : "answer " + i);
        assertThat(item.evaluations()).extracting(Evaluation::name).containsExactly("exact_match", "verdict");
        assertThat(item.evaluatorFailures()).isEmpty();
      }
    }
    assertThat(result.errors()).isEqualTo(20);
    assertThat(items.stream().map(ItemResult::traceId).distinct().count()).isEqualTo(ITEMS);

    // Every span, trace by trace: the run attributes everywhere, the item attributes on the root only.
    Map<String, List<Span>> byTrace = langfuse.spans().stream().collect(Collectors.groupingBy(s -> traceId(s)));
    assertThat(byTrace.keySet()).containsExactlyInAnyOrderElementsOf(
        items.stream().map(ItemResult::traceId).collect(Collectors.toList()));
    Set<String> spanIds = new HashSet<>();
    for (ItemResult item : items) {
      List<Span> spans = Objects.requireNonNull(byTrace.get(item.traceId()));
      int i = index(item.item());
      Map<String, Span> byId = new HashMap<>();
      spans.forEach(s -> byId.put(spanId(s), s));
      List<Span> roots = spans.stream().filter(s -> s.getParentSpanId().isEmpty()).collect(Collectors.toList());
      assertThat(roots).hasSize(1);
      Span root = roots.get(0);
      assertThat(root.getName()).isEqualTo("experiment-item-run");
      for (Span span : spans) {
        assertThat(spanIds.add(spanId(span))).isTrue();
        Map<String, Object> attrs = attributes(span);
        assertThat(attrs).containsEntry("langfuse.experiment.id", result.experimentId())
            .containsEntry("langfuse.experiment.name", "capitals-eval run 1")
            .containsEntry("langfuse.experiment.description", "fake LLM against the golden set")
            .containsEntry("langfuse.experiment.metadata", "{\"model\":\"fake-1\"}")
            .containsEntry("langfuse.experiment.dataset.id", "ds-capitals")
            .containsEntry("langfuse.environment", "sdk-experiment");
        if (span == root) {
          assertThat(attrs).containsEntry("langfuse.experiment.item.id", "item-" + i)
              .containsEntry("langfuse.experiment.item.version",
                  "2026-12-02T10:00:" + String.format("%02d", i % 60) + ".000Z")
              .containsEntry("langfuse.experiment.item.root_observation_id", spanId(root))
              .containsEntry("langfuse.experiment.item.expected_output", "\"answer " + i + "\"");
          assertThat(json.readTree((String) attrs.get("langfuse.experiment.item.metadata")))
              .isEqualTo(json.readTree("{\"index\":" + i + ",\"topic\":\"" + (i % 2 == 0 ? "even" : "odd") + "\"}"));
          assertThat(attrs.get("langfuse.observation.input")).isEqualTo("\"question " + i + "\"");
        } else {
          assertThat(attrs).doesNotContainKeys(ITEM_KEYS);
          assertThat(byId).containsKey(parentSpanId(span)); // every parent is in the same trace
        }
      }
      List<String> names = spans.stream().map(Span::getName).sorted().collect(Collectors.toList());
      if (item.error() == null) {
        assertThat(names).containsExactly("exact_match", "experiment-item-run", "fake-llm", "judge", "judge-llm",
            "retrieve");
        Span judgeLlm = spans.stream().filter(s -> s.getName().equals("judge-llm")).findFirst().orElseThrow();
        assertThat(Objects.requireNonNull(byId.get(parentSpanId(judgeLlm))).getName()).isEqualTo("judge");
        assertThat(attributes(root)).containsEntry("langfuse.observation.output",
            "\"" + item.output() + "\"");
      } else if (i % 100 == 42) {
        assertThat(names).containsExactly("experiment-item-run", "fake-llm");
        assertThat(attributes(root)).containsEntry("langfuse.observation.level", "ERROR");
      } else {
        assertThat(names).containsExactly("experiment-item-run");
        assertThat(attributes(root)).containsEntry("langfuse.observation.level", "ERROR");
      }
    }
    assertThat(RUN_KEYS).hasSize(5);

    // Every score once: two per successful item on its root observation, one for the run.
    List<JsonNode> scores = langfuse.scores();
    assertThat(scores).hasSize(980 * 2 + 1);
    assertThat(scores.stream().map(s -> s.path("id").asText()).distinct().count()).isEqualTo(scores.size());
    Map<String, Integer> perTraceAndName = new ConcurrentHashMap<>();
    Map<String, String> rootOf = new HashMap<>();
    byTrace.forEach((trace, spans) -> spans.stream().filter(s -> s.getParentSpanId().isEmpty())
        .forEach(s -> rootOf.put(trace, spanId(s))));
    JsonNode runScore = null;
    for (JsonNode score : scores) {
      assertThat(score.path("environment").asText()).isEqualTo("sdk-experiment");
      if (score.has("datasetRunId")) {
        runScore = score;
        continue;
      }
      String trace = score.path("traceId").asText();
      assertThat(score.path("observationId").asText()).isEqualTo(rootOf.get(trace));
      perTraceAndName.merge(trace + "/" + score.path("name").asText(), 1, Integer::sum);
    }
    assertThat(perTraceAndName).hasSize(980 * 2).allSatisfy((key, count) -> assertThat(count).isEqualTo(1));
    assertThat(runScore).isNotNull();
    runScore = Objects.requireNonNull(runScore);
    assertThat(runScore.path("datasetRunId").asText()).isEqualTo(result.experimentId());
    assertThat(runScore.path("name").asText()).isEqualTo("mean_exact_match");

    // Aggregates: exact_match is right on 9 of every 10 successful items.
    long wrong = items.stream().filter(r -> r.error() == null && index(r.item()) % 10 == 3).count();
    EvaluationStats exact = Objects.requireNonNull(result.aggregates().get("exact_match"));
    assertThat(exact.count()).isEqualTo(980);
    assertThat(exact.mean()).isCloseTo((980.0 - wrong) / 980.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(exact.min()).isEqualTo(0.0);
    assertThat(exact.max()).isEqualTo(1.0);
    EvaluationStats verdict = Objects.requireNonNull(result.aggregates().get("verdict"));
    assertThat(verdict.categories()).containsEntry("good", 980 - wrong).containsEntry("bad", wrong);
    assertThat(result.runEvaluations()).singleElement().satisfies(e ->
        assertThat(e.numericValue()).isCloseTo(exact.mean(), org.assertj.core.data.Offset.offset(1e-9)));
    assertThat(result.summaryTable()).contains("capitals-eval run 1", "exact_match", "verdict", "good=",
        "mean_exact_match", "delivery: complete");

    // Progress: the total without the archived items, errors counted, a last report when done.
    Progress last = reports.get(reports.size() - 1);
    assertThat(last.finished()).isTrue();
    assertThat(last.done()).isEqualTo(ITEMS);
    assertThat(last.total()).isEqualTo(ITEMS);
    assertThat(last.errors()).isEqualTo(20);
    assertThat(reports).allSatisfy(p -> assertThat(p.total()).isIn((long) ITEMS, ITEMS + 5L));
    // 1,005 items over 50 per page: 21 pages, each read once.
    assertThat(langfuse.requests("GET", "/api/public/dataset-items")).hasSize(21);
  }
}
