package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.GenerationData;
import io.fluxtrace.Score;
import io.fluxtrace.ScoreData;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceIds;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The parity helpers of issue 17 in the Reactor Context: seeded traces, a request-wide prompt, trace links, scores. */
class LangfuseParityReactorTest {

  private static final String REMOTE_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;
  private final FluxTracer tracer = fx.tracer;

  // README: ticket
  /** One support ticket: its trace id derived from the ticket id, one prompt linked to all its generations. */
  Mono<String> handleTicket(String ticketId, String question) {
    return Mono.just(question)
        .flatMap(q -> Mono.just("draft for " + q).transform(tracing.generation("draft").mono()))
        .transform(tracing.chain("ticket").mono())
        .contextWrite(TraceContext.prompt("support-answer", 3))
        .contextWrite(TraceContext.metadata("customer", Map.of("tier", "gold", "seats", 12)))
        .contextWrite(TraceContext.traceId(TraceIds.fromSeed(ticketId)));
  }

  /** Days later, a feedback job scores the same trace knowing only the ticket id. */
  void recordSatisfaction(String ticketId, int stars) {
    tracer.score(Score.numeric("satisfaction", stars).traceId(TraceIds.fromSeed(ticketId)).build());
  }
  // END README

  @Test
  void theReadmeTicketExample() {
    StepVerifier.create(handleTicket("T-1001", "refund?")).expectNext("draft for refund?").verifyComplete();
    recordSatisfaction("T-1001", 5);

    assertThat(fx.span("ticket").traceId()).isEqualTo(TraceIds.fromSeed("T-1001"));
    assertPrompt(fx.span("draft"), "support-answer", 3);
    assertThat(String.valueOf(fx.span("draft").traceAttributes().metadata().get("customer")))
        .contains("\"tier\":\"gold\"");
    assertThat(fx.scores()).singleElement()
        .satisfies(score -> assertThat(score.traceId()).isEqualTo(TraceIds.fromSeed("T-1001")));
  }

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void aSeededTraceIdStartsTheRequestsTraceAndALaterJobScoresItByTheSameSeed() {
    Mono<String> handled = Mono.just("ok")
        .transform(tracing.generation("answer").mono())
        .transform(tracing.chain("request").mono())
        .contextWrite(TraceContext.traceId(TraceIds.fromSeed("ticket-81")));

    StepVerifier.create(handled).expectNext("ok").verifyComplete();
    fx.tracer.score(Score.numeric("csat", 4).traceId(TraceIds.fromSeed("ticket-81")).build());

    String traceId = TraceIds.fromSeed("ticket-81");
    assertThat(fx.span("request").traceId()).isEqualTo(traceId);
    assertThat(fx.span("request").parentSpanId()).isNull();
    assertThat(fx.span("answer").traceId()).isEqualTo(traceId);
    assertThat(fx.scores()).singleElement().satisfies(s -> assertThat(s.traceId()).isEqualTo(traceId));
  }

  @Test
  void aJoinedParentWinsOverASeededTraceIdAndAnInvalidOneIsRefused() {
    Mono<String> handled = Mono.just("ok")
        .transform(tracing.span("request").mono())
        .contextWrite(TraceContext.traceparent("00-" + REMOTE_TRACE + "-00f067aa0ba902b7-01"))
        .contextWrite(TraceContext.traceId(TraceIds.fromSeed("ignored")));

    StepVerifier.create(handled).expectNext("ok").verifyComplete();

    assertThat(fx.span("request").traceId()).isEqualTo(REMOTE_TRACE);
    assertThatThrownBy(() -> TraceContext.traceId("ABC")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("traceId");
    assertThat(TraceContext.traceId(null)).isSameAs(Function.identity());
  }

  @Test
  void aPromptLinkedOncePerRequestReachesEveryGenerationThatLinksNoneItself() {
    Mono<String> handled = Mono.just("q")
        .flatMap(q -> Mono.just(q).transform(tracing.generation("draft").mono()))
        .flatMap(q -> Mono.just(q).transform(tracing.generation("refine").prompt("refiner", 2).mono()))
        .flatMap(q -> Mono.just(q).transform(tracing.tool("search").mono()))
        .transform(tracing.chain("request").mono())
        .contextWrite(TraceContext.prompt("answerer", 5));

    StepVerifier.create(handled).expectNext("q").verifyComplete();

    assertPrompt(fx.span("draft"), "answerer", 5);
    assertPrompt(fx.span("refine"), "refiner", 2);
    assertThat(fx.span("search").generation()).isNull();
    assertThat(fx.span("request").generation()).isNull();
  }

  private static void assertPrompt(SpanData span, String name, int version) {
    GenerationData generation = Objects.requireNonNull(span.generation(), span.name() + " has generation data");
    assertThat(generation.promptName()).isEqualTo(name);
    assertThat(generation.promptVersion()).isEqualTo(version);
  }

  @Test
  void structuredTraceMetadataFromTheContextIsRecordedAsNestedJson() {
    Mono<String> handled = Mono.just("ok")
        .transform(tracing.span("request").mono())
        .contextWrite(TraceContext.metadata("customer", Map.of("tier", "gold")))
        .contextWrite(TraceContext.metadata("region", "eu"));

    StepVerifier.create(handled).expectNext("ok").verifyComplete();

    Map<String, Object> metadata = fx.span("request").traceAttributes().metadata();
    assertThat(metadata.get("region")).isEqualTo("eu");
    assertThat(String.valueOf(metadata.get("customer"))).isEqualTo("{\"tier\":\"gold\"}");
  }

  @Test
  void theCurrentTraceUrlLinksTheJoinedOrCurrentTrace() {
    try (FluxTracer langfuse = FluxTracer.builder(Map.of()).publicKey("pk-lf-test").secretKey("sk-lf-test")
        .baseUrl("https://langfuse.example.com").projectId("proj-1").shutdownHook(false).build()) {
      StepVerifier.create(TraceContext.currentTraceUrl(langfuse)
              .contextWrite(TraceContext.traceparent("00-" + REMOTE_TRACE + "-00f067aa0ba902b7-01")))
          .expectNext("https://langfuse.example.com/project/proj-1/traces/" + REMOTE_TRACE)
          .verifyComplete();
      StepVerifier.create(TraceContext.currentTraceUrl(langfuse)).verifyComplete();
    }
    // A tracer with an in-memory exporter has no Langfuse UI to link to.
    StepVerifier.create(TraceContext.currentTraceUrl(fx.tracer)
            .transform(tracing.span("request").mono()))
        .verifyComplete();
  }

  @Test
  void scoresInsideConcurrentRequestsFileUnderTheirOwnRequestsEnvironmentAndRelease() {
    int requests = 200;
    Flux<String> all = Flux.range(0, requests)
        .flatMap(i -> {
          String environment = i % 2 == 0 ? "staging" : "Production";
          Mono<String> request = Mono.just(i)
              .publishOn(Schedulers.parallel())
              .flatMap(n -> tracing.scoreTrace(() -> Score.numeric("trace-" + n, n)).thenReturn(n))
              .flatMap(n -> Mono.just(n).delayElement(Duration.ofMillis(n % 3), Schedulers.boundedElastic())
                  .flatMap(x -> tracing.scoreObservation(() -> Score.numeric("obs-" + x, x)).thenReturn(x))
                  .transform(tracing.generation("gen-" + n).mono()))
              .map(n -> "done-" + n)
              .transform(tracing.chain("request-" + i).mono());
          return i % 3 == 0
              ? request.contextWrite(TraceContext.traceparent(
                  "00-" + TraceIds.fromSeed("remote-" + i) + "-00f067aa0ba902b7-01"))
                  .contextWrite(TraceContext.attributes(io.fluxtrace.TraceAttributes.builder()
                      .environment(environment).release("rel-" + i).build()))
              : request.contextWrite(TraceContext.attributes(io.fluxtrace.TraceAttributes.builder()
                  .environment(environment).release("rel-" + i).build()));
        }, 64);

    StepVerifier.create(all.collectList()).assertNext(list -> assertThat(list).hasSize(requests))
        .verifyComplete();

    Map<String, SpanData> roots = fx.spans().stream().filter(s -> s.name().startsWith("request-"))
        .collect(Collectors.toMap(SpanData::name, Function.identity()));
    List<ScoreData> scores = fx.scores();
    assertThat(scores).hasSize(2 * requests);
    for (ScoreData score : scores) {
      int i = Integer.parseInt(score.name().substring(score.name().indexOf('-') + 1));
      SpanData root = Objects.requireNonNull(roots.get("request-" + i), "root of request " + i);
      assertThat(score.traceId()).as(score.name()).isEqualTo(root.traceId());
      assertThat(score.environment()).as(score.name()).isEqualTo(i % 2 == 0 ? "staging" : "Production");
      assertThat(score.release()).as(score.name()).isEqualTo("rel-" + i);
    }
  }
}
