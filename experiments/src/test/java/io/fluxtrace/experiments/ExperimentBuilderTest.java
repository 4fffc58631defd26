package io.fluxtrace.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.FluxTracer;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class ExperimentBuilderTest {

  private final FluxTracer tracer = FluxTracer.disabled();

  private Experiment.Builder valid() {
    return Experiment.builder(tracer).name("e").items(List.of(ExperimentItem.of("q", "a")))
        .task(item -> Mono.just("a"));
  }

  private void assertInvalid(UnaryOperator<Experiment.Builder> change, String... fragments) {
    assertThatThrownBy(() -> change.apply(valid()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(fragments);
  }

  @Test
  void buildNamesTheSettingThatIsMissingOrInvalid() {
    assertThatThrownBy(() -> Experiment.builder(tracer).items(List.of()).task(i -> Mono.empty()).build())
        .hasMessageContaining("experiment name must be set");
    assertThatThrownBy(() -> Experiment.builder(tracer).name("e").task(i -> Mono.empty()).build())
        .hasMessageContaining("exactly one of dataset(..), items(List) and items(Flux), got none");
    assertInvalid(b -> b.items(Flux.empty()), "exactly one of", "got 2");
    assertInvalid(b -> b.name(" "), "name must be set and not blank");
    assertInvalid(b -> b.runName(""), "runName must be not blank");
    assertInvalid(b -> b.concurrency(0), "concurrency must be at least 1, got '0'");
    assertInvalid(b -> b.pageSize(101), "pageSize must be 1 to 100");
    assertInvalid(b -> b.itemTimeout(Duration.ZERO), "itemTimeout must be positive");
    assertInvalid(b -> b.evaluatorTimeout(Duration.ofSeconds(-1)), "evaluatorTimeout must be positive");
    assertInvalid(b -> b.environment("Production"), "environment must be", "'Production'");
    assertInvalid(b -> b.environment("langfuse-x"), "not starting with 'langfuse'");
    assertInvalid(b -> b.evaluator(" ", (i, o, e, m) -> Mono.empty()), "evaluator name must be not blank");
    assertThatThrownBy(() -> Experiment.builder(tracer).name("e").dataset("d").build())
        .hasMessageContaining("task must be set");
    assertThatThrownBy(() -> Experiment.builder(tracer).name("e").dataset(" ").task(i -> Mono.empty()).build())
        .hasMessageContaining("dataset must be a dataset name that is not blank");
  }

  @Test
  void aDisabledTracerStillRunsItemsFromCodeAndEvaluatesThem() {
    ExperimentResult result = valid()
        .evaluator("match", (input, output, expected, metadata) ->
            Mono.just(List.of(Evaluation.bool("match", java.util.Objects.equals(output, expected)))))
        .build()
        .runBlocking(Duration.ofSeconds(30));

    assertThat(result.items()).singleElement().satisfies(item -> {
      assertThat(item.output()).isEqualTo("a");
      assertThat(item.evaluations()).containsExactly(Evaluation.bool("match", true));
      assertThat(item.traceUrl()).isNull();
    });
    assertThat(result.delivery().completed()).isTrue();
    assertThat(result.aggregates().get("match")).isNotNull();
  }

  @Test
  void progressFormatsAsABarOrAPlainLine() {
    Progress half = new Progress("run", 500, 1000, 3, 120.5, Duration.ofMillis(4100), false);
    assertThat(half.bar(10)).isEqualTo("[#####-----] 500/1000  3 errors  120.5 items/s  ETA 5s");
    assertThat(half.line()).isEqualTo("run: 500/1000 done, 3 errors, 120.5 items/s, ETA 5s");
    Progress unknown = new Progress("run", 7, -1, 0, 2, null, false);
    assertThat(unknown.bar(4)).isEqualTo("[----] 7/?  0 errors  2.0 items/s  ETA ?");
    Progress done = new Progress("run", 1000, 1000, 0, 99, Duration.ofMinutes(2), true);
    assertThat(done.line()).endsWith("ETA 0s");
    assertThat(new Progress("run", 1, 100, 0, 1, Duration.ofSeconds(125), false).line()).endsWith("ETA 2m5s");
  }
}
