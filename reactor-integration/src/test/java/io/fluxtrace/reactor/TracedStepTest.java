package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

/** One traced operator at a time: signals pass through unchanged, and the exported span says what happened. */
class TracedStepTest {

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;

  @AfterEach
  void close() {
    fx.close();
  }

  @Test
  void monoValuePassesThroughAndIsTheOutput() {
    StepVerifier.create(Mono.just("answer").transform(tracing.span("step").input("question").mono()))
        .expectNext("answer")
        .verifyComplete();

    SpanData span = fx.span("step");
    assertThat(span.type()).isEqualTo(ObservationType.SPAN);
    assertThat(span.input()).isEqualTo("\"question\"");
    assertThat(span.output()).isEqualTo("\"answer\"");
    assertThat(span.parentSpanId()).isNull();
    assertThat(span.level()).isEqualTo(ObservationLevel.DEFAULT);
    assertThat(span.statusMessage()).isNull();
    assertThat(span.endEpochNanos()).isGreaterThanOrEqualTo(span.startEpochNanos());
  }

  @Test
  void outputFunctionMapsTheValueAndNullRecordsNone() {
    StepVerifier.create(Mono.just(List.of("a", "b")).transform(tracing.retriever("search").mono(List::size)))
        .expectNext(List.of("a", "b"))
        .verifyComplete();
    StepVerifier.create(Mono.just("secret").transform(tracing.tool("quiet").mono(v -> null)))
        .expectNext("secret")
        .verifyComplete();

    assertThat(fx.span("search").output()).isEqualTo("2");
    assertThat(fx.span("quiet").output()).isNull();
  }

  static Stream<Arguments> observationTypes() {
    return Stream.of(
        Arguments.of(ObservationType.SPAN, (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::span),
        Arguments.of(ObservationType.GENERATION,
            (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::generation),
        Arguments.of(ObservationType.AGENT, (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::agent),
        Arguments.of(ObservationType.TOOL, (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::tool),
        Arguments.of(ObservationType.CHAIN, (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::chain),
        Arguments.of(ObservationType.RETRIEVER,
            (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::retriever),
        Arguments.of(ObservationType.EVALUATOR,
            (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::evaluator),
        Arguments.of(ObservationType.EMBEDDING,
            (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::embedding),
        Arguments.of(ObservationType.GUARDRAIL,
            (BiFunction<ReactorTracing, String, TracedStep<Object>>) ReactorTracing::guardrail));
  }

  @ParameterizedTest
  @MethodSource("observationTypes")
  void everyObservationTypeIsRecordedForMonoAndFlux(
      ObservationType type, BiFunction<ReactorTracing, String, TracedStep<Object>> step) {
    StepVerifier.create(Mono.just(1).transform(step.apply(tracing, "m").mono())).expectNext(1).verifyComplete();
    StepVerifier.create(Flux.just(1, 2).transform(step.apply(tracing, "f").flux())).expectNext(1, 2).verifyComplete();
    StepVerifier.create(Mono.just(3).transform(tracing.observation("o", type).mono())).expectNext(3).verifyComplete();

    assertThat(fx.spans()).extracting(SpanData::name, SpanData::type)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("m", type),
            org.assertj.core.groups.Tuple.tuple("f", type),
            org.assertj.core.groups.Tuple.tuple("o", type));
  }

  @Test
  void anEventIsNotAStep() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> tracing.observation("e", ObservationType.EVENT))
        .withMessageContaining("event(name)");
  }

  @Test
  void errorPassesThroughAsTheSameInstanceAndEndsTheSpanAsError() {
    IllegalStateException boom = new IllegalStateException("boom");

    StepVerifier.create(Mono.<String>error(boom).transform(tracing.tool("m").mono()))
        .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
        .verify();
    StepVerifier.create(Flux.just(1).concatWith(Flux.error(boom)).transform(tracing.tool("f").flux()))
        .expectNext(1)
        .expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
        .verify();

    for (String name : List.of("m", "f")) {
      SpanData span = fx.span(name);
      assertThat(span.level()).isEqualTo(ObservationLevel.ERROR);
      assertThat(span.statusMessage()).isEqualTo("java.lang.IllegalStateException: boom");
    }
  }

  @Test
  void emptyMonoAndEmptyFluxEndWithoutOutput() {
    StepVerifier.create(Mono.empty().transform(tracing.span("m").mono())).verifyComplete();
    StepVerifier.create(Flux.empty().transform(tracing.span("f").flux(Collectors.toList()))).verifyComplete();

    assertThat(fx.span("m").output()).isNull();
    assertThat(fx.span("m").level()).isEqualTo(ObservationLevel.DEFAULT);
    assertThat(fx.span("f").output()).isEqualTo("[]");
  }

  @Test
  void cancelEndsTheSpanAsWarning() {
    StepVerifier.create(Mono.never().transform(tracing.agent("waiting").mono()))
        .expectSubscription()
        .thenCancel()
        .verify();

    SpanData span = fx.span("waiting");
    assertThat(span.level()).isEqualTo(ObservationLevel.WARNING);
    assertThat(span.statusMessage()).isEqualTo("cancelled");
  }

  @Test
  void takeCancelsTheFluxAndKeepsWhatArrived() {
    StepVerifier.create(Flux.range(1, 100).transform(tracing.tool("numbers").flux(Collectors.toList())).take(3))
        .expectNext(1, 2, 3)
        .verifyComplete();

    SpanData span = fx.span("numbers");
    assertThat(span.level()).isEqualTo(ObservationLevel.WARNING);
    assertThat(span.output()).isEqualTo("[1,2,3]");
  }

  @Test
  void timeoutCancelsTheStep() {
    StepVerifier.withVirtualTime(() -> Mono.never().transform(tracing.tool("slow").mono()).timeout(Duration.ofSeconds(5)))
        .expectSubscription()
        .thenAwait(Duration.ofSeconds(5))
        .expectError(TimeoutException.class)
        .verify(Duration.ofSeconds(10));

    assertThat(fx.span("slow").level()).isEqualTo(ObservationLevel.WARNING);
  }

  @Test
  void innerStepsAreChildrenAcrossThreadHops() {
    Mono<Integer> pipeline = Mono.just(1)
        .subscribeOn(Schedulers.boundedElastic())
        .transform(tracing.retriever("a").mono())
        .publishOn(Schedulers.parallel())
        .flatMap(x -> Mono.just(x + 1).publishOn(Schedulers.boundedElastic()).transform(tracing.tool("b").mono()))
        .flatMapMany(x -> Flux.range(0, 3).flatMap(i -> Mono.just(i).subscribeOn(Schedulers.parallel())
            .transform(tracing.tool("c").mono())))
        .reduce(0, Integer::sum)
        .transform(tracing.chain("root").mono());

    StepVerifier.create(pipeline).expectNext(3).verifyComplete();

    List<SpanData> spans = fx.spans();
    SpanData root = fx.span("root");
    assertThat(spans).hasSize(6).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(root.traceId()));
    assertThat(root.parentSpanId()).isNull();
    assertThat(spans).filteredOn(s -> s != root)
        .allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(root.spanId()))
        .allSatisfy(s -> assertThat(s.endEpochNanos()).isLessThanOrEqualTo(root.endEpochNanos()));
  }

  @Test
  void retryAndRepeatCreateOneSpanPerSubscription() {
    AtomicInteger attempts = new AtomicInteger();
    Mono<String> flaky = Mono.defer(() -> attempts.incrementAndGet() < 3
            ? Mono.error(new IllegalStateException("attempt " + attempts.get()))
            : Mono.just("ok"))
        .transform(tracing.tool("flaky").mono())
        .retry(5);
    StepVerifier.create(flaky.transform(tracing.chain("outer").mono())).expectNext("ok").verifyComplete();
    StepVerifier.create(Mono.just(1).transform(tracing.span("repeated").mono()).repeat(2))
        .expectNext(1, 1, 1)
        .verifyComplete();

    List<SpanData> spans = fx.spans();
    SpanData outer = fx.span("outer");
    List<SpanData> tries = spans.stream().filter(s -> s.name().equals("flaky")).toList();
    assertThat(tries).hasSize(3).allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(outer.spanId()));
    assertThat(tries).extracting(SpanData::level)
        .containsExactlyInAnyOrder(ObservationLevel.ERROR, ObservationLevel.ERROR, ObservationLevel.DEFAULT);
    assertThat(tries).extracting(SpanData::spanId).doesNotHaveDuplicates();
    assertThat(spans.stream().filter(s -> s.name().equals("repeated"))).hasSize(3)
        .extracting(SpanData::traceId).doesNotHaveDuplicates();
  }

  @Test
  void theUsersContextStaysVisibleUpstreamAndDownstream() {
    Mono<String> readsContext = Mono.deferContextual(c -> Mono.just(c.<String>get("tenant")));

    StepVerifier.create(readsContext.transform(tracing.span("step").mono()).contextWrite(Context.of("tenant", "acme")))
        .expectNext("acme")
        .verifyComplete();
    StepVerifier.create(Flux.just(1).transform(tracing.span("f").flux()).contextWrite(Context.of("tenant", "acme")))
        .expectAccessibleContext().contains("tenant", "acme").then()
        .expectNext(1)
        .verifyComplete();
  }

  @Test
  void signalsStayOnTheirThreadAndInOrder() {
    List<String> hops = Collections.synchronizedList(new ArrayList<>());
    Flux<Integer> source = Flux.range(0, 200)
        .publishOn(Schedulers.parallel())
        .doOnNext(i -> hops.add("up " + i + " " + Thread.currentThread().getName()));

    StepVerifier.create(source.transform(tracing.tool("ordered").flux(Collectors.toList()))
            .doOnNext(i -> hops.add("down " + i + " " + Thread.currentThread().getName())))
        .expectNextSequence(java.util.stream.IntStream.range(0, 200).boxed().toList())
        .verifyComplete();

    for (int i = 0; i < 200; i++) {
      String up = hops.get(2 * i);
      String down = hops.get(2 * i + 1);
      assertThat(up).startsWith("up " + i + " ");
      assertThat(down).isEqualTo("down" + up.substring(2));
    }
  }

  @Test
  void currentSpanInsideAStepIsThatStep() {
    Mono<String> step = TraceContext.currentSpan()
        .doOnNext(span -> span.metadata("docs", 3).level(ObservationLevel.WARNING).statusMessage("few docs"))
        .thenReturn("x")
        .transform(tracing.retriever("search").mono());

    StepVerifier.create(step).expectNext("x").verifyComplete();
    StepVerifier.create(TraceContext.currentSpan()).expectNext(Span.noop()).verifyComplete();

    SpanData span = fx.span("search");
    assertThat(span.metadata()).isEqualTo("{\"docs\":3}");
    assertThat(span.level()).isEqualTo(ObservationLevel.WARNING);
    assertThat(span.statusMessage()).isEqualTo("few docs");
  }

  @Test
  void anOutputSetInsideIsKeptWhenTheOutputFunctionGivesNull() {
    Mono<String> step = TraceContext.currentSpan()
        .doOnNext(span -> span.output(Map.of("answer", "42")))
        .thenReturn("raw")
        .transform(tracing.chain("chat").mono(v -> null));

    StepVerifier.create(step).expectNext("raw").verifyComplete();
    assertThat(fx.span("chat").output()).isEqualTo("{\"answer\":\"42\"}");
  }

  record ChatResponse(String text, Map<String, Long> usage, Map<String, Double> cost) {}

  @Test
  void generationRecordsModelParametersPromptUsageAndCost() {
    ChatResponse response = new ChatResponse("Paris", Map.of("input", 12L, "output", 3L, "total", 15L),
        Map.of("total", 0.0021));

    StepVerifier.create(Mono.just(response).transform(tracing.generation("llm")
            .model("gpt-4o-mini")
            .modelParameter("temperature", 0.2)
            .modelParameters(Map.of("max_tokens", 256))
            .prompt("capital-question", 3)
            .input("What is the capital of France?")
            .usage(ChatResponse::usage)
            .cost(ChatResponse::cost)
            .mono(ChatResponse::text)))
        .expectNext(response)
        .verifyComplete();

    SpanData span = fx.span("llm");
    assertThat(span.type()).isEqualTo(ObservationType.GENERATION);
    assertThat(span.output()).isEqualTo("\"Paris\"");
    GenerationData generation = Objects.requireNonNull(span.generation());
    assertThat(generation.model()).isEqualTo("gpt-4o-mini");
    assertThat(generation.modelParameters()).contains("\"temperature\":0.2").contains("\"max_tokens\":256");
    assertThat(generation.promptName()).isEqualTo("capital-question");
    assertThat(generation.promptVersion()).isEqualTo(3);
    assertThat(generation.usageDetails()).containsExactlyInAnyOrderEntriesOf(response.usage());
    assertThat(generation.costDetails()).containsExactlyInAnyOrderEntriesOf(response.cost());
  }

  @Test
  void ofTypesPlainLambdasForUsageCostAndOutputWithoutAWitness() {
    ChatResponse response = new ChatResponse("Paris", Map.of("input", 12L, "output", 3L), Map.of("total", 0.002));

    // Plain lambdas after of(...): without it, these would need .<ChatResponse>usage(...) or typed parameters.
    StepVerifier.create(Mono.just(response).transform(tracing.generation("llm")
            .of(ChatResponse.class)
            .usage(r -> r.usage())
            .cost(r -> r.cost())
            .mono(r -> r.text())))
        .expectNext(response)
        .verifyComplete();

    StepVerifier.create(Flux.just(response, response).transform(tracing.generation("stream")
            .of(ChatResponse.class)
            .usage(r -> r.usage())
            .flux(Collectors.mapping(r -> r.text(), Collectors.joining()))))
        .expectNextCount(2)
        .verifyComplete();

    SpanData llm = fx.span("llm");
    assertThat(llm.output()).isEqualTo("\"Paris\"");
    GenerationData generation = Objects.requireNonNull(llm.generation());
    assertThat(generation.usageDetails()).containsExactlyInAnyOrderEntriesOf(response.usage());
    assertThat(generation.costDetails()).containsExactlyInAnyOrderEntriesOf(response.cost());
    SpanData stream = fx.span("stream");
    assertThat(stream.output()).isEqualTo("\"ParisParis\"");
    assertThat(Objects.requireNonNull(stream.generation()).usageDetails())
        .containsExactlyInAnyOrderEntriesOf(response.usage());
  }

  @Test
  void disabledTracingReturnsTheSourceItself() {
    ReactorTracing off = ReactorTracing.create(FluxTracer.disabled());
    Mono<String> mono = Mono.just("x");
    Flux<String> flux = Flux.just("x");
    AtomicBoolean supplierCalled = new AtomicBoolean();

    assertThat(off.span("s").input(() -> supplierCalled.getAndSet(true)).<String>mono().apply(mono)).isSameAs(mono);
    assertThat(off.generation("g").<String>flux(Collectors.joining()).apply(flux)).isSameAs(flux);
    assertThat(mono.transform(off.tool("t").mono())).isSameAs(mono);
    assertThat(flux.transform(off.tool("t").flux())).isSameAs(flux);
    StepVerifier.create(mono.transform(off.span("s").input(() -> supplierCalled.getAndSet(true)).mono()))
        .expectNext("x")
        .verifyComplete();
    assertThat(supplierCalled).isFalse();
  }

  @Test
  void sampledOutTracesPassThroughWithoutSpansOrSuppliers() {
    try (TracingFixture sampledOut = TracingFixture.sampled(0.0)) {
      ReactorTracing t = sampledOut.tracing;
      AtomicBoolean supplierCalled = new AtomicBoolean();
      Mono<String> nested = Mono.just("in")
          .transform(t.tool("inner").input(() -> supplierCalled.getAndSet(true)).mono())
          .flatMap(v -> TraceContext.currentTraceparent())
          .transform(t.chain("outer").input(() -> supplierCalled.getAndSet(true)).mono());

      StepVerifier.create(nested)
          .assertNext(header -> assertThat(header).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"))
          .verifyComplete();
      StepVerifier.create(Flux.range(1, 3).transform(t.generation("g").flux(Collectors.toList())))
          .expectNext(1, 2, 3)
          .verifyComplete();

      assertThat(supplierCalled).isFalse();
      assertThat(sampledOut.spans()).isEmpty();
      assertThat(sampledOut.tracer.stats().spansStarted()).isZero();
    }
  }

  @Test
  void failingUserFunctionsNeverBreakThePipeline() {
    StepVerifier.create(Mono.just("v").transform(tracing.span("output")
            .input(() -> {
              throw new IllegalStateException("no input");
            })
            .mono(v -> {
              throw new IllegalArgumentException("no output");
            })))
        .expectNext("v")
        .verifyComplete();
    StepVerifier.create(Flux.range(1, 3).transform(tracing.generation("figures")
            .usage((Integer i) -> {
              throw new ArithmeticException("no usage");
            })
            .cost((Integer i) -> Map.of("total", i / 0))
            .flux(Collectors.reducing(0, (a, b) -> {
              throw new UnsupportedOperationException("no reduce");
            }))))
        .expectNext(1, 2, 3)
        .verifyComplete();

    SpanData output = fx.span("output");
    assertThat(output.input()).isEqualTo("\"<fluxtrace: input supplier failed: java.lang.IllegalStateException>\"");
    assertThat(output.output()).isEqualTo("\"<fluxtrace: output function failed: java.lang.IllegalArgumentException>\"");
    SpanData figures = fx.span("figures");
    assertThat(figures.level()).isEqualTo(ObservationLevel.DEFAULT);
    assertThat(figures.output()).contains("output collector failed: java.lang.UnsupportedOperationException");
    assertThat(figures.metadata())
        .contains("\"fluxtrace.usage\":\"<fluxtrace: usage function failed: java.lang.ArithmeticException>\"")
        .contains("\"fluxtrace.cost\":\"<fluxtrace: cost function failed: java.lang.ArithmeticException>\"");
    // Each failing function is given up after its first failure in a subscription.
    assertThat(tracing.functionFailures()).isEqualTo(5);
  }

  @Test
  void aNullInputRecordsNone() {
    StepVerifier.create(Mono.just(1).transform(tracing.tool("literal").input(null).mono())).expectNext(1)
        .verifyComplete();
    StepVerifier.create(Mono.just(2).transform(tracing.tool("cleared").input("x").input((Object) null).mono()))
        .expectNext(2)
        .verifyComplete();

    assertThat(fx.span("literal").input()).isNull();
    assertThat(fx.span("cleared").input()).isNull();
  }

  @Test
  void aConfiguredStepCanBeSharedAndIsImmutable() {
    TracedStep<Object> base = tracing.tool("shared").input("a");
    TracedStep<Object> changed = base.input("b").metadata("k", "v");

    StepVerifier.create(Mono.just(1).transform(base.mono()).then(Mono.just(2).transform(base.mono())))
        .expectNext(2)
        .verifyComplete();
    StepVerifier.create(Mono.just(3).transform(changed.mono())).expectNext(3).verifyComplete();

    assertThat(fx.spans()).extracting(SpanData::input).containsExactlyInAnyOrder("\"a\"", "\"a\"", "\"b\"");
    assertThat(base).hasToString("TracedStep{tool 'shared'}");
  }
}
