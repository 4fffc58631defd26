package io.fluxtrace.experiments;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Bad input gets a clear error or a recorded failure: never a hang, never a silent loss. */
class ExperimentFailuresTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final StandInLangfuse langfuse = new StandInLangfuse();
  private final List<FluxTracer> tracers = new ArrayList<>();

  private FluxTracer tracer() {
    FluxTracer tracer = langfuse.tracer();
    tracers.add(tracer);
    return tracer;
  }

  @AfterEach
  void close() {
    tracers.forEach(FluxTracer::close);
    assertThat(langfuse.violations()).isEmpty();
    langfuse.close();
  }

  /** What a buggy user function returns. */
  @SuppressWarnings("NullAway")
  private static <T> Mono<T> nullMono() {
    return null;
  }

  private static Mono<String> echo(ExperimentItem item) {
    return Mono.just("answer for " + item.input());
  }

  @Test
  void anUnknownDatasetIsAClearErrorBeforeAnythingRuns() {
    Experiment experiment = Experiment.builder(tracer()).name("e").dataset("no such set")
        .task(ExperimentFailuresTest::echo).build();

    StepVerifier.create(experiment.run())
        .expectErrorSatisfies(e -> {
          assertThat(e).isInstanceOf(ExperimentException.class)
              .hasMessageContaining("has no dataset named 'no such set' (HTTP 404)");
          assertThat(((ExperimentException) e).partialResult()).isNull();
        })
        .verify(WAIT);
    assertThat(langfuse.requests("GET", "/api/public/v2/datasets/no%20such%20set")).hasSize(1);
  }

  @Test
  void keysLangfuseRefusesAreAClearError() {
    langfuse.dataset("set", 3, 0);
    FluxTracer wrongKeys = langfuse.tracer("sk-lf-wrong");
    tracers.add(wrongKeys);
    Experiment experiment = Experiment.builder(wrongKeys).name("e").dataset("set")
        .task(ExperimentFailuresTest::echo).build();

    assertThatThrownBy(() -> experiment.runBlocking(WAIT))
        .isInstanceOf(ExperimentException.class)
        .hasMessageContaining("refused the tracer's keys (HTTP 401)")
        .hasMessageContaining("LANGFUSE_SECRET_KEY")
        .hasMessageNotContaining("sk-lf-wrong");
  }

  @Test
  void aPageThatFailsMidRunStopsReadingAndReturnsWhatRanDelivered() {
    langfuse.dataset("paged", 120, 0);
    langfuse.failPage(2);
    Experiment experiment = Experiment.builder(tracer()).name("e").dataset("paged").pageSize(50)
        .task(ExperimentFailuresTest::echo).concurrency(5).build();

    ExperimentException error = (ExperimentException) Objects.requireNonNull(
        org.assertj.core.api.Assertions.catchThrowable(() -> experiment.runBlocking(WAIT)));

    assertThat(error).hasMessageContaining("stopped reading items after 50 item(s)")
        .hasMessageContaining("page 2 of the items of dataset 'paged'").hasMessageContaining("HTTP 500");
    ExperimentResult partial = Objects.requireNonNull(error.partialResult());
    assertThat(partial.items()).hasSize(50).allSatisfy(item -> assertThat(item.failed()).isFalse());
    assertThat(partial.delivery().completed()).isTrue();
    List<Span> roots = langfuse.spans().stream().filter(s -> s.getParentSpanId().isEmpty())
        .collect(Collectors.toList());
    assertThat(roots).hasSize(50);
    assertThat(roots).extracting(s -> s.getTraceId().size()).containsOnly(16);
  }

  @Test
  void aFluxOfItemsThatErrorsReturnsWhatRan() {
    Flux<ExperimentItem> items = Flux.range(0, 7).map(i -> ExperimentItem.of("q" + i, null))
        .concatWith(Flux.error(new IllegalStateException("source broke")));
    Experiment experiment = Experiment.builder(tracer()).name("e").items(items)
        .task(ExperimentFailuresTest::echo).build();

    StepVerifier.create(experiment.run())
        .expectErrorSatisfies(e -> {
          assertThat(e).isInstanceOf(ExperimentException.class).hasMessageContaining("source broke")
              .hasMessageContaining("after 7 item(s)");
          assertThat(Objects.requireNonNull(((ExperimentException) e).partialResult()).items()).hasSize(7);
        })
        .verify(WAIT);
  }

  @Test
  void aDatasetNeedsATracerWithLangfuseKeys() {
    Experiment experiment = Experiment.builder(FluxTracer.disabled()).name("e").dataset("set")
        .task(ExperimentFailuresTest::echo).build();

    assertThatThrownBy(() -> experiment.runBlocking(WAIT)).isInstanceOf(ExperimentException.class)
        .hasMessageContaining("needs a tracer that exports to Langfuse with keys").hasMessageContaining("disabled");
  }

  @Test
  void evaluatorsThatReturnNanThrowErrorOrHangAreRecordedAndTheRunGoesOn() {
    FluxTracer tracer = tracer();
    ExperimentResult result = Experiment.builder(tracer).name("e")
        .items(List.of(ExperimentItem.of("a", "answer for a"), ExperimentItem.of("b", "answer for b")))
        .task(ExperimentFailuresTest::echo)
        .evaluator("nan", (input, output, expected, metadata) ->
            Mono.just(List.of(Evaluation.numeric("score", Double.NaN), Evaluation.numeric("fine", 1))))
        .evaluator("blank", (input, output, expected, metadata) ->
            Mono.just(List.of(Evaluation.categorical("verdict", " "))))
        .evaluator("throws", (input, output, expected, metadata) -> {
          throw new IllegalArgumentException("judge crashed");
        })
        .evaluator("errors", (input, output, expected, metadata) -> Mono.error(new IllegalStateException("4xx")))
        .evaluator("hangs", (input, output, expected, metadata) -> Mono.never())
        .evaluator("null", (input, output, expected, metadata) -> nullMono())
        .runEvaluator("run-nan", results -> Mono.just(List.of(Evaluation.numeric("avg", Double.POSITIVE_INFINITY))))
        .runEvaluator("run-throws", results -> {
          throw new IllegalStateException("run judge crashed");
        })
        .evaluatorTimeout(Duration.ofMillis(500))
        .build()
        .runBlocking(WAIT);

    assertThat(result.delivery().completed()).isTrue();
    assertThat(result.items()).hasSize(2).allSatisfy(item -> {
      assertThat(item.failed()).isFalse();
      assertThat(item.evaluations()).extracting(Evaluation::name).containsExactly("fine");
      Map<String, String> failures = item.evaluatorFailures().stream()
          .collect(Collectors.toMap(EvaluatorFailure::evaluator, EvaluatorFailure::message));
      assertThat(failures).containsOnlyKeys("nan", "blank", "throws", "errors", "hangs", "null");
      assertThat(failures.get("nan")).contains("invalid evaluation 'score'", "NaN", "finite");
      assertThat(failures.get("blank")).contains("invalid evaluation 'verdict'", "not blank");
      assertThat(failures.get("throws")).contains("judge crashed");
      assertThat(failures.get("errors")).contains("IllegalStateException: 4xx");
      assertThat(failures.get("hangs")).contains("did not finish within PT0.5S");
      assertThat(failures.get("null")).contains("NullPointerException");
    });
    assertThat(result.runEvaluations()).isEmpty();
    assertThat(result.runEvaluatorFailures()).extracting(EvaluatorFailure::evaluator)
        .containsExactly("run-nan", "run-throws");
    assertThat(result.evaluatorFailures()).isEqualTo(14);
    assertThat(result.summaryTable()).contains("run evaluator 'run-throws' failed", "run judge crashed");
    // Only the valid evaluations became scores, once each.
    List<JsonNode> scores = langfuse.scores();
    assertThat(scores).extracting(s -> s.path("name").asText()).containsExactly("fine", "fine");
    // The failed evaluators' spans say so.
    List<Span> spans = langfuse.spans();
    assertThat(spans.stream().filter(s -> s.getName().equals("errors")))
        .hasSize(2).allSatisfy(s -> assertThat(attributes(s)).containsEntry("langfuse.observation.level", "ERROR"));
    assertThat(spans.stream().filter(s -> s.getName().equals("nan")))
        .hasSize(2).allSatisfy(s -> assertThat(attributes(s)).containsKey("langfuse.observation.status_message"));
  }

  @Test
  void aTaskThatReturnsNullOrThrowsFailsOnlyItsItem() {
    ExperimentResult result = Experiment.builder(tracer()).name("e")
        .items(List.of(ExperimentItem.of("null", null), ExperimentItem.of("throws", null),
            ExperimentItem.of("empty", null), ExperimentItem.of("ok", null)))
        .task(item -> switch (String.valueOf(item.input())) {
          case "null" -> nullMono();
          case "throws" -> throw new IllegalStateException("task crashed");
          case "empty" -> Mono.empty();
          default -> Mono.just("fine");
        })
        .build()
        .runBlocking(WAIT);

    assertThat(result.items()).extracting(ItemResult::error).satisfiesExactly(
        e -> assertThat(e).contains("NullPointerException"),
        e -> assertThat(e).contains("task crashed"),
        e -> assertThat(e).isNull(),
        e -> assertThat(e).isNull());
    assertThat(result.items().get(2).output()).isNull();
    assertThat(result.items().get(3).output()).isEqualTo("fine");
    assertThat(result.errors()).isEqualTo(2);
  }

  @Test
  void cancellingTheRunEndsTheOpenSpans() {
    FluxTracer tracer = tracer();
    ReactorTracing tracing = ReactorTracing.create(tracer);
    AtomicInteger started = new AtomicInteger();
    Experiment experiment = Experiment.builder(tracer).name("e")
        .items(IntStream.range(0, 20).mapToObj(i -> ExperimentItem.of("q" + i, null)).collect(Collectors.toList()))
        .task(item -> Mono.never().doOnSubscribe(s -> started.incrementAndGet())
            .transform(tracing.generation("stuck-llm").mono()))
        .concurrency(8)
        .build();

    Disposable run = experiment.run().subscribeOn(Schedulers.parallel()).subscribe();
    await().atMost(WAIT).until(() -> started.get() == 8);
    run.dispose();

    assertThat(tracer.flushBlocking(WAIT).completed()).isTrue();
    List<Span> spans = langfuse.spans();
    assertThat(spans).hasSize(16);
    assertThat(spans).allSatisfy(s -> {
      assertThat(attributes(s)).containsEntry("langfuse.observation.level", "WARNING");
      assertThat(attributes(s)).containsKey("langfuse.experiment.id");
    });
    assertThat(spans.stream().filter(s -> s.getName().equals("experiment-item-run"))).hasSize(8);
  }

  @Test
  void runBlockingRefusesNonBlockingThreadsAndGivesUpAfterItsTimeout() {
    FluxTracer tracer = tracer();
    Experiment stuck = Experiment.builder(tracer).name("stuck")
        .items(List.of(ExperimentItem.of("q", null)))
        .task(item -> Mono.never())
        .build();

    StepVerifier.create(Mono.fromCallable(() -> stuck.runBlocking(WAIT)).subscribeOn(Schedulers.parallel()))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("runBlocking() blocks and cannot run on the non-blocking thread"))
        .verify(WAIT);
    assertThatThrownBy(() -> stuck.runBlocking(Duration.ofMillis(300)))
        .isInstanceOf(ExperimentException.class)
        .hasMessageContaining("did not finish within PT0.3S; it was cancelled and its open spans were ended");
    assertThat(tracer.flushBlocking(WAIT).completed()).isTrue();
    assertThat(langfuse.spans()).singleElement().satisfies(root ->
        assertThat(attributes(root)).containsEntry("langfuse.observation.level", "WARNING"));
  }
}
