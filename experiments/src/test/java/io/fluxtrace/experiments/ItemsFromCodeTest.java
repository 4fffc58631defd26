package io.fluxtrace.experiments;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.TraceContext;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class ItemsFromCodeTest {

  private final StandInLangfuse langfuse = new StandInLangfuse();
  private final FluxTracer tracer = langfuse.tracer();

  @AfterEach
  void close() {
    tracer.close();
    assertThat(langfuse.violations()).isEmpty();
    langfuse.close();
  }

  @Test
  void itemsFromAFluxGetStableIdsNoDatasetAndTheCallersTraceAttributes() {
    Experiment experiment = Experiment.builder(tracer).name("local")
        .items(Flux.just(ExperimentItem.of("same input", "x").withMetadata("k", "v"),
            ExperimentItem.of("other input", null).withId("my-id")))
        .task(item -> Mono.just("out"))
        .environment("nightly")
        .build();

    ExperimentResult first = Objects.requireNonNull(
        experiment.run().contextWrite(TraceContext.userId("ci-bot")).block(Duration.ofMinutes(1)));
    ExperimentResult second = experiment.runBlocking(Duration.ofMinutes(1));

    assertThat(first.datasetId()).isNull();
    assertThat(first.experimentId()).isNotEqualTo(second.experimentId());
    assertThat(first.runName()).startsWith("local - ");
    List<Span> roots = langfuse.spans().stream().filter(s -> s.getParentSpanId().isEmpty())
        .collect(Collectors.toList());
    assertThat(roots).hasSize(4);
    Map<String, List<Object>> idsByInput = roots.stream().collect(Collectors.groupingBy(
        s -> String.valueOf(attributes(s).get("langfuse.observation.input")),
        Collectors.mapping(s -> attributes(s).get("langfuse.experiment.item.id"), Collectors.toList())));
    assertThat(idsByInput.get("\"other input\"")).containsOnly("my-id");
    List<Object> derived = Objects.requireNonNull(idsByInput.get("\"same input\""));
    assertThat(derived).hasSize(2);
    assertThat(derived.get(0)).isEqualTo(derived.get(1));
    assertThat(String.valueOf(derived.get(0))).matches("[0-9a-f]{16}");
    assertThat(roots).allSatisfy(root -> assertThat(attributes(root))
        .doesNotContainKey("langfuse.experiment.dataset.id")
        .containsEntry("langfuse.environment", "nightly"));
    assertThat(roots.stream().filter(r -> "ci-bot".equals(attributes(r).get("langfuse.user.id")))).hasSize(2);
    assertThat(roots.stream().filter(r -> "{\"k\":\"v\"}".equals(
        attributes(r).get("langfuse.experiment.item.metadata")))).hasSize(2);
  }

  @Test
  void anEmptyListIsAnEmptyRunThatStillCompletes() {
    StepVerifier.create(Experiment.builder(tracer).name("empty").items(List.of()).task(item -> Mono.just(1))
            .runEvaluator("count", results -> Mono.just(List.of(Evaluation.numeric("count", results.size()))))
            .build().run())
        .assertNext(result -> {
          assertThat(result.items()).isEmpty();
          assertThat(result.runEvaluations()).containsExactly(Evaluation.numeric("count", 0));
          assertThat(result.delivery().completed()).isTrue();
        })
        .expectComplete()
        .verify(Duration.ofMinutes(1));
    assertThat(langfuse.scores()).singleElement().satisfies(score ->
        assertThat(score.path("datasetRunId").asText()).isNotEmpty());
  }
}
