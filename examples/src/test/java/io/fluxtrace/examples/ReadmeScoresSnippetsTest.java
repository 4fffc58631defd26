package io.fluxtrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.ScoreStats;
import io.fluxtrace.SpanData;
import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.reactor.ReactorTracing;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The README's scoring snippets, compiled and run: a CLI job scoring traces by id, and a reactive step scoring the
 * observation it runs in, read from the Reactor Context.
 */
class ReadmeScoresSnippetsTest {

  private static final Logger log = Loggers.getLogger(ReadmeScoresSnippetsTest.class);

  record EvalCase(String traceId, double accuracy, String notes) {}

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final InMemoryScoreExporter scoreExporter = InMemoryScoreExporter.create();
  private final FluxTracer tracer = FluxTracer.builder(Map.of())
      .exporter(spans)
      .scoreExporter(scoreExporter)
      .shutdownHook(false)
      .build();
  private final ReactorTracing tracing = ReactorTracing.create(tracer);

  @AfterEach
  void close() {
    tracer.close();
  }

  // README: score-cli
  /** An offline evaluation job: score each trace by its id, then make sure the scores were delivered. */
  static boolean recordEvaluations(FluxTracer tracer, List<EvalCase> cases) {
    for (EvalCase c : cases) {
      tracer.score(Score.numeric("accuracy", c.accuracy())   // also bool, categorical and text scores
          .traceId(c.traceId())
          .comment(c.notes())
          .build());                                        // validates Langfuse's rules, naming the field
    }
    FlushResult result = tracer.flushBlocking(Duration.ofSeconds(30));
    ScoreStats scores = result.stats().scores();
    if (scores.failed() + scores.dropped() > 0) {
      log.warn("scores: {} delivered, {} failed {}, {} dropped",
          scores.exported(), scores.failed(), scores.failedByReason(), scores.dropped());
    }
    return result.isClean();
  }
  // END README

  // README: score-reactive
  /** Scores the generation it runs in: the observation comes from the Reactor Context, not from a ThreadLocal. */
  Mono<String> answer(String question) {
    return generate(question)
        .flatMap(answer -> tracing.scoreObservation(() -> Score.numeric("groundedness", judge(question, answer))
                .comment("heuristic judge v2"))
            .thenReturn(answer))
        .transform(tracing.generation("answer").input(question).mono());
  }
  // END README

  private static Mono<String> generate(String question) {
    return Mono.fromSupplier(() -> "An answer to " + question).publishOn(Schedulers.parallel());
  }

  private static double judge(String question, String answer) {
    return answer.contains(question) ? 1.0 : 0.0;
  }

  @Test
  void aJobScoresTracesByIdAndKnowsTheyWereDelivered() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

    boolean clean = recordEvaluations(tracer, List.of(new EvalCase(traceId, 0.87, "judged offline")));

    assertThat(clean).isTrue();
    assertThat(scoreExporter.scoresOfTrace(traceId)).singleElement().satisfies(score -> {
      assertThat(score.name()).isEqualTo("accuracy");
      assertThat(score.numericValue()).isEqualTo(0.87);
      assertThat(score.comment()).isEqualTo("judged offline");
    });
  }

  @Test
  void aReactiveStepScoresTheObservationItRunsIn() {
    StepVerifier.create(answer("fluxtrace")).expectNext("An answer to fluxtrace").verifyComplete();
    tracer.flushBlocking(Duration.ofSeconds(10));

    SpanData generation = spans.spans().get(0);
    List<ScoreData> scores = scoreExporter.scores();
    assertThat(scores).singleElement().satisfies(score -> {
      assertThat(score.name()).isEqualTo("groundedness");
      assertThat(score.traceId()).isEqualTo(generation.traceId());
      assertThat(score.observationId()).isEqualTo(generation.spanId());
    });
  }
}
