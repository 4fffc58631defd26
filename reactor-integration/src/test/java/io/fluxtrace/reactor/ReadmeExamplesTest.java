package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Score;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The README's API tour, compiled and run. Each {@code // README} block is pasted verbatim into the README; keep
 * the two in step. The fakes at the bottom stand in for a model client and a document index.
 */
class ReadmeExamplesTest {

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;
  private final FakeModel llm = new FakeModel();

  @AfterEach
  void close() {
    fx.close();
  }

  // README: setup
  static ReactorTracing setUp() {
    FluxTracer tracer = FluxTracer.builder().build(); // reads LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, LANGFUSE_BASE_URL
    return ReactorTracing.create(tracer);             // one per tracer, kept for the application's lifetime
  }
  // END README

  @Test
  void setUpWithoutKeysDisablesTracingInsteadOfFailing() {
    ReactorTracing fromEnvironment = setUp();
    assertThat(fromEnvironment.tracer().isEnabled()).isFalse();
    Mono<String> step = Mono.just("x");
    assertThat(step.transform(fromEnvironment.span("s").mono())).isSameAs(step);
    fromEnvironment.tracer().close();
  }

  // README: span
  Mono<List<Doc>> search(String question) {
    return index.search(question)
        .transform(tracing.retriever("search").input(question).mono());
  }
  // END README

  // README: generation
  Mono<String> answer(String question) {
    return search(question)
        .flatMap(docs -> llm.chat(prompt(question, docs))
            .transform(tracing.generation("answer")
                .model("gpt-4o-mini")
                .modelParameter("temperature", 0.2)
                .prompt("rag-answer", 3)               // the Langfuse prompt and version used
                .input(() -> prompt(question, docs))   // computed only if the trace is recorded
                .usage(ChatResponse::usage)            // Map<String, Long>: input, output, total
                .cost(ChatResponse::cost)              // Map<String, Double> in USD
                .mono(ChatResponse::text)))            // the output recorded
        .map(ChatResponse::text)
        .transform(tracing.chain("rag").input(question).mono());
  }
  // END README

  @Test
  void spanAndGeneration() {
    StepVerifier.create(answer("What is fluxtrace?"))
        .expectNext("fluxtrace traces Reactor pipelines.")
        .verifyComplete();

    SpanData rag = fx.span("rag");
    SpanData search = fx.span("search");
    SpanData generation = fx.span("answer");
    assertThat(rag.parentSpanId()).isNull();
    assertThat(rag.output()).isEqualTo("\"fluxtrace traces Reactor pipelines.\"");
    assertThat(search.parentSpanId()).isEqualTo(rag.spanId());
    assertThat(search.type()).isEqualTo(ObservationType.RETRIEVER);
    assertThat(generation.parentSpanId()).isEqualTo(rag.spanId());
    assertThat(generation.type()).isEqualTo(ObservationType.GENERATION);
    assertThat(Objects.requireNonNull(generation.generation()).usageDetails()).containsEntry("total", 14L);
    assertThat(Objects.requireNonNull(generation.generation()).promptVersion()).isEqualTo(3);
  }

  // README: streaming
  Flux<String> streamAnswer(String question) {
    return llm.stream(question)
        .transform(tracing.generation("answer")
            .model("gpt-4o-mini")
            .input(question)
            .usage(ChatChunk::usage)                   // null on every chunk but the last
            .flux(Collectors.mapping(ChatChunk::text, Collectors.joining())))
        .map(ChatChunk::text);
  }
  // END README

  @Test
  void streamingGeneration() {
    StepVerifier.create(streamAnswer("Say hello")).expectNext("Hel", "lo", "!").verifyComplete();

    SpanData generation = fx.span("answer");
    assertThat(generation.output()).isEqualTo("\"Hello!\"");
    assertThat(Objects.requireNonNull(generation.generation()).usageDetails()).containsEntry("output", 3L);
    assertThat(Objects.requireNonNull(generation.generation()).completionStartEpochNanos()).isPositive();
  }

  // README: events and current span
  Mono<List<Doc>> rerank(String question, List<Doc> docs) {
    return Mono.fromSupplier(() -> docs.stream().filter(d -> d.score() > 0.5).toList())
        .flatMap(kept -> TraceContext.currentSpan()
            .doOnNext(span -> span.metadata("dropped", docs.size() - kept.size()))
            .thenReturn(kept))
        .flatMap(kept -> kept.isEmpty()
            ? tracing.event("nothing-relevant").level(ObservationLevel.WARNING).input(question).record()
                .thenReturn(kept)
            : Mono.just(kept))
        .transform(tracing.span("rerank").input(docs.size()).mono(List::size));
  }
  // END README

  @Test
  void eventsAndCurrentSpan() {
    StepVerifier.create(rerank("q", List.of(new Doc("a", 0.2), new Doc("b", 0.1))))
        .expectNext(List.of())
        .verifyComplete();

    SpanData rerank = fx.span("rerank");
    SpanData event = fx.span("nothing-relevant");
    assertThat(rerank.metadata()).isEqualTo("{\"dropped\":2}");
    assertThat(rerank.output()).isEqualTo("0");
    assertThat(event.type()).isEqualTo(ObservationType.EVENT);
    assertThat(event.parentSpanId()).isEqualTo(rerank.spanId());
    assertThat(event.level()).isEqualTo(ObservationLevel.WARNING);
  }

  // README: attributes
  Mono<String> handle(String userId, String chatId, String question) {
    return answer(question)
        .contextWrite(TraceContext.userId(userId))
        .contextWrite(TraceContext.sessionId(chatId))
        .contextWrite(TraceContext.tags("beta"))
        .contextWrite(TraceContext.attributes(TraceAttributes.builder()
            .traceName("support-bot")
            .release("1.4.2")
            .build()));
  }
  // END README

  @Test
  void perRequestAttributes() {
    StepVerifier.create(handle("user-42", "chat-7", "q")).expectNextCount(1).verifyComplete();

    assertThat(fx.spans()).hasSize(3).allSatisfy(span -> {
      assertThat(span.traceAttributes().userId()).isEqualTo("user-42");
      assertThat(span.traceAttributes().sessionId()).isEqualTo("chat-7");
      assertThat(span.traceAttributes().tags()).containsExactly("beta");
      assertThat(span.traceAttributes().traceName()).isEqualTo("support-bot");
    });
  }

  // README: traceparent
  /** Incoming: the request joins the caller's trace (a null or invalid header starts a new one). */
  Mono<String> handle(@Nullable String traceparentHeader, String question) {
    return answer(question).contextWrite(TraceContext.traceparent(traceparentHeader));
  }

  /** Outgoing: every WebClient call made inside a traced step carries the current span as its parent. */
  static final ExchangeFilterFunction PROPAGATE_TRACE = (request, next) -> TraceContext.currentTraceparent()
      .map(traceparent -> ClientRequest.from(request).header(Traceparent.HEADER, traceparent).build())
      .defaultIfEmpty(request)
      .flatMap(next::exchange);
  // END README

  @Test
  void traceparentInAndOut() {
    String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    StepVerifier.create(handle(incoming, "q")).expectNextCount(1).verifyComplete();
    SpanData rag = fx.span("rag");
    assertThat(rag.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(rag.isAppRoot()).isTrue();

    AtomicReference<@Nullable String> sent = new AtomicReference<>();
    ExchangeFunction server = request -> {
      sent.set(request.headers().getFirst(Traceparent.HEADER));
      return Mono.empty();
    };
    ClientRequest request = ClientRequest.create(HttpMethod.GET, URI.create("http://localhost/")).build();
    StepVerifier.create(PROPAGATE_TRACE.filter(request, server).transform(tracing.tool("call").mono()))
        .verifyComplete();
    SpanData call = fx.span("call");
    assertThat(sent.get()).isEqualTo("00-" + call.traceId() + "-" + call.spanId() + "-01");
  }

  // README: webflux
  /** Every request: its user, its session and the caller's trace, for all routes. */
  static final WebFilter TRACING = (exchange, chain) -> {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    return chain.filter(exchange)
        .contextWrite(TraceContext.userId(headers.getFirst("x-user-id")))
        .contextWrite(TraceContext.sessionId(headers.getFirst("x-session-id")))
        .contextWrite(TraceContext.traceparent(headers.getFirst(Traceparent.HEADER)));
  };

  /** POST /chat: the root step records the question and the answer; the response names the trace. */
  Mono<ServerResponse> chat(ServerRequest request) {
    return request.bodyToMono(String.class)
        .flatMap(question -> TraceContext.currentTraceId()
            .doOnNext(id -> request.exchange().getResponse().getHeaders().set("x-trace-id", id))
            .then(answer(question))
            .transform(tracing.chain("chat").input(question).mono()))
        .flatMap(answer -> ServerResponse.ok().bodyValue(answer));
  }
  // END README

  // README: streaming score
  Flux<String> streamAndScore(String question) {
    return llm.stream(question)
        .map(ChatChunk::text)
        .concatWith(tracing.scoreObservation(() -> Score.bool("completed", true))) // after the last chunk
        .transform(tracing.generation("answer").input(question).flux(Collectors.joining()));
  }
  // END README

  @Test
  void streamingGenerationScoredFromInside() {
    StepVerifier.create(streamAndScore("Say hello")).expectNext("Hel", "lo", "!").verifyComplete();

    SpanData generation = fx.span("answer");
    assertThat(generation.output()).isEqualTo("\"Hello!\"");
    assertThat(fx.scores()).singleElement().satisfies(score -> {
      assertThat(score.name()).isEqualTo("completed");
      assertThat(score.observationId()).isEqualTo(generation.spanId());
    });
  }

  @Test
  void webFluxFilterAndHandlerOnARealServer() {
    String caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    try (WebFluxTestServer server = WebFluxTestServer.start(RouterFunctions.route().POST("/chat", this::chat).build(),
        4)) {
      StepVerifier.create(server.client.post().uri("/chat")
              .header("x-user-id", "user-42")
              .header(Traceparent.HEADER, caller)
              .bodyValue("What is fluxtrace?")
              .retrieve()
              .toEntity(String.class))
          .assertNext(response -> {
            assertThat(response.getBody()).isEqualTo("fluxtrace traces Reactor pipelines.");
            assertThat(response.getHeaders().getFirst("x-trace-id")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
          })
          .verifyComplete();
    }

    SpanData chat = fx.span("chat");
    assertThat(chat.isAppRoot()).isTrue();
    assertThat(chat.parentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(chat.input()).isEqualTo("\"What is fluxtrace?\"");
    assertThat(chat.output()).isEqualTo("\"fluxtrace traces Reactor pipelines.\"");
    assertThat(fx.span("rag").parentSpanId()).isEqualTo(chat.spanId());
    assertThat(fx.spans()).hasSize(4)
        .allSatisfy(span -> assertThat(span.traceAttributes().userId()).isEqualTo("user-42"));
  }

  // Fakes standing in for a model client and a document index.

  record Doc(String text, double score) {}

  record ChatResponse(String text, Map<String, Long> usage, Map<String, Double> cost) {}

  record ChatChunk(String text, @Nullable Map<String, Long> usage) {}

  static final class FakeIndex {
    Mono<List<Doc>> search(String question) {
      return Mono.just(List.of(new Doc("fluxtrace traces Reactor pipelines.", 0.9)));
    }
  }

  static final class FakeModel {
    Mono<ChatResponse> chat(String prompt) {
      return Mono.just(new ChatResponse("fluxtrace traces Reactor pipelines.",
          Map.of("input", 10L, "output", 4L, "total", 14L), Map.of("total", 0.00002)));
    }

    Flux<ChatChunk> stream(String prompt) {
      return Flux.just(new ChatChunk("Hel", null), new ChatChunk("lo", null),
          new ChatChunk("!", Map.of("input", 2L, "output", 3L)));
    }
  }

  private final FakeIndex index = new FakeIndex();

  static String prompt(String question, List<Doc> docs) {
    return "Answer from: " + docs.stream().map(Doc::text).collect(Collectors.joining(" ")) + "\nQ: " + question;
  }
}
