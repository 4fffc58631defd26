package io.fluxtrace.examples.experiment;

import io.fluxtrace.experiments.Evaluation;
import io.fluxtrace.reactor.ReactorTracing;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Stand-ins for real model calls, traced as generations: a model that answers capital-city questions (wrong on
 * purpose for a few countries, so the evaluators have something to find) and an LLM judge that grades an answer.
 */
final class FakeModels {

  private final ReactorTracing tracing;

  FakeModels(ReactorTracing tracing) {
    this.tracing = tracing;
  }

  /** The model's answer: the capital, after 5 to 30 ms, except for a country whose name is 7 letters long. */
  Mono<String> answer(String country) {
    String capital = Countries.capital(country);
    return Mono.delay(Duration.ofMillis(5 + ThreadLocalRandom.current().nextInt(25)))
        .map(tick -> country.length() == 7 ? "Atlantis" : capital)
        .transform(tracing.generation("answer")
            .model("fake-capitals-1")
            .input("What is the capital of " + country + "?")
            .usage((String answer) -> Map.of("input", 12L, "output", 1L))
            .mono());
  }

  /** The judge's verdict on one answer, with its reasoning as the comment. */
  Mono<List<Evaluation>> grade(@Nullable Object output, @Nullable Object expected) {
    return Mono.delay(Duration.ofMillis(2 + ThreadLocalRandom.current().nextInt(10)))
        .map(tick -> Objects.equals(output, expected)
            ? Evaluation.categorical("verdict", "correct").withComment("names the expected capital")
            : Evaluation.categorical("verdict", "incorrect").withComment("expected " + expected + ", got " + output))
        .transform(tracing.generation("judge").model("fake-judge-1").input(output).mono())
        .map(List::of);
  }
}
