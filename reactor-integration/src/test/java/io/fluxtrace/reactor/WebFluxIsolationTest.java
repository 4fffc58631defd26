package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.SpanData;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A plain Spring WebFlux application on reactor-netty ({@link WebFluxTestServer}), traced with the public API only:
 * the README's {@code WebFilter} writes each request's user, session and incoming {@code traceparent} into the
 * Context, and the handlers compose traced steps. Hundreds of concurrent requests (JSON-less chat calls, server-sent event streams, streams the client
 * abandons midway, calls from a traced client that propagates its trace) must each yield exactly their own trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebFluxIsolationTest {

  private static final int REQUESTS = 500;
  private static final String TRACE_ID_HEADER = "x-trace-id";

  private final TracingFixture fx = TracingFixture.create();
  private final ReactorTracing tracing = fx.tracing;
  private @Nullable WebFluxTestServer server;

  record Chunk(String text, @Nullable Map<String, Long> usage) {}

  /** The server side: a small assistant whose every step is traced. */
  final class Assistant {

    Mono<String> answer(String question) {
      return Mono.fromCallable(() -> List.of(question + "-doc"))
          .subscribeOn(Schedulers.boundedElastic())
          .transform(tracing.retriever("search").input(question).mono())
          .flatMap(docs -> Flux.range(0, 2)
              .flatMap(k -> Mono.fromSupplier(() -> question + "-fact-" + k)
                  .publishOn(Schedulers.parallel())
                  .transform(tracing.tool("lookup").input(question).mono()))
              .collectList())
          .map(facts -> new Chunk("answer to " + question, Map.of("input", 10L, "output", 4L)))
          .transform(tracing.generation("llm").model("test-model").input(question).usage(Chunk::usage).mono())
          .map(Chunk::text);
    }

    Flux<String> stream(String question, boolean endless) {
      // delayElements, unlike interval, waits for demand: the SSE writer asks for one event at a time.
      Flux<Integer> ticks = Flux.range(0, endless ? Integer.MAX_VALUE : 5).delayElements(Duration.ofMillis(10));
      Flux<Chunk> chunks = ticks
          .map(k -> new Chunk(question + "#" + k + " ", k == 4 && !endless ? Map.of("output", 5L) : null));
      return Mono.fromCallable(() -> List.of(question + "-doc"))
          .subscribeOn(Schedulers.boundedElastic())
          .transform(tracing.retriever("search").input(question).mono())
          .flatMapMany(docs -> chunks)
          .transform(tracing.generation("llm-stream")
              .model("test-model")
              .input(question)
              .usage(Chunk::usage)
              .flux(Collectors.mapping(Chunk::text, Collectors.joining())))
          .map(Chunk::text);
    }
  }

  private final Assistant assistant = new Assistant();

  Mono<ServerResponse> chat(ServerRequest request) {
    return request.bodyToMono(String.class)
        .flatMap(question -> TraceContext.currentTraceId()
            .doOnNext(id -> request.exchange().getResponse().getHeaders().set(TRACE_ID_HEADER, id))
            .then(assistant.answer(question))
            .transform(tracing.chain("chat").input(question).mono()))
        .flatMap(answer -> ServerResponse.ok().bodyValue(answer));
  }

  Mono<ServerResponse> stream(ServerRequest request) {
    String question = request.queryParam("q").orElse("");
    boolean endless = request.queryParam("endless").isPresent();
    Flux<String> tokens = TraceContext.currentTraceId()
        .doOnNext(id -> request.exchange().getResponse().getHeaders().set(TRACE_ID_HEADER, id))
        .thenMany(assistant.stream(question, endless))
        .transform(tracing.agent("stream").input(question).flux(Collectors.joining()));
    return ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(tokens, String.class);
  }

  @BeforeAll
  void start() {
    server = WebFluxTestServer.start(RouterFunctions.route()
        .POST("/chat", this::chat)
        .GET("/stream", this::stream)
        .build(), REQUESTS);
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
    fx.close();
  }

  /** What the client saw of one request. */
  record Outcome(int request, String traceIdHeader, @Nullable String clientTraceId, String body) {}

  private Mono<Outcome> call(int i) {
    WebClient web = Objects.requireNonNull(server).client;
    String question = "q-" + i;
    Mono<Outcome> call = switch (i % 4) {
      case 0, 1 -> web.post().uri("/chat")
          .header("x-user-id", "u-" + i)
          .header("x-session-id", "s-" + i)
          .bodyValue(question)
          .retrieve()
          .toEntity(String.class)
          .map(e -> outcome(i, e, Objects.requireNonNull(e.getBody())));
      case 2 -> web.get().uri(b -> b.path("/stream").queryParam("q", question).build())
          .header("x-user-id", "u-" + i)
          .header("x-session-id", "s-" + i)
          .header(Traceparent.HEADER, "00-not-a-valid-traceparent")
          .accept(MediaType.TEXT_EVENT_STREAM)
          .retrieve()
          .toEntityFlux(String.class)
          .flatMap(e -> Objects.requireNonNull(e.getBody()).collect(Collectors.joining())
              .map(body -> outcome(i, e, body)));
      default -> web.get().uri(b -> b.path("/stream").queryParam("q", question).queryParam("endless", "").build())
          .header("x-user-id", "u-" + i)
          .header("x-session-id", "s-" + i)
          .accept(MediaType.TEXT_EVENT_STREAM)
          .retrieve()
          .toEntityFlux(String.class)
          .flatMap(e -> Objects.requireNonNull(e.getBody()).take(3).collect(Collectors.joining())
              .map(body -> outcome(i, e, body)));
    };
    if (i % 4 != 1) {
      return call;
    }
    // A traced client: its span is the remote parent of the server's root, so both are one trace.
    return call
        .flatMap(outcome -> TraceContext.currentTraceId()
            .map(clientTrace -> new Outcome(i, outcome.traceIdHeader(), clientTrace, outcome.body())))
        .transform(tracing.span("client-call").input(question).mono(Outcome::body))
        .contextWrite(TraceContext.userId("u-" + i))
        .contextWrite(TraceContext.sessionId("s-" + i));
  }

  private static Outcome outcome(int i, ResponseEntity<?> entity, String body) {
    String header = entity.getHeaders().getFirst(TRACE_ID_HEADER);
    return new Outcome(i, Objects.requireNonNull(header, "response without " + TRACE_ID_HEADER), null, body);
  }

  @Test
  @Timeout(180)
  void concurrentRequestsEachYieldExactlyTheirOwnTrace() {
    List<Outcome> outcomes = Objects.requireNonNull(Flux.range(0, REQUESTS)
        .flatMap(this::call, REQUESTS)
        .collectList()
        .block(Duration.ofSeconds(120)));
    assertThat(outcomes).hasSize(REQUESTS);

    // 125 chat calls of 5 spans, 125 traced chat calls of 6, 250 streams of 3 (half of them abandoned midway).
    int expectedSpans = REQUESTS / 4 * (5 + 6 + 3 + 3);
    // The server learns of an abandoned stream when its connection closes, a little after the client moved on.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(fx.spans()).hasSize(expectedSpans));

    Map<String, List<SpanData>> byTrace = fx.spans().stream().collect(Collectors.groupingBy(SpanData::traceId));
    assertThat(byTrace).hasSize(REQUESTS);
    assertThat(outcomes).extracting(Outcome::traceIdHeader).doesNotHaveDuplicates();
    for (Outcome outcome : outcomes) {
      List<SpanData> trace = byTrace.get(outcome.traceIdHeader());
      assertThat(trace).as("trace of request %d", outcome.request()).isNotNull();
      assertTraceOfRequest(outcome, Objects.requireNonNull(trace));
    }
    assertThat(fx.tracer.stats().mutationsAfterEnd()).isZero();
    assertThat(tracing.functionFailures()).isZero();
  }

  private static void assertTraceOfRequest(Outcome outcome, List<SpanData> trace) {
    int i = outcome.request();
    String q = "q-" + i;
    Map<String, Long> tree = trace.stream()
        .collect(Collectors.groupingBy(s -> s.type().wireName() + " " + s.name(), Collectors.counting()));
    Map<String, Long> expected = new HashMap<>();
    if (i % 4 <= 1) {
      expected.putAll(Map.of("chain chat", 1L, "retriever search", 1L, "tool lookup", 2L, "generation llm", 1L));
      if (i % 4 == 1) {
        expected.put("span client-call", 1L);
      }
    } else {
      expected.putAll(Map.of("agent stream", 1L, "retriever search", 1L, "generation llm-stream", 1L));
    }
    assertThat(tree).as("tree of request %d", i).isEqualTo(expected);

    Set<String> ids = trace.stream().map(SpanData::spanId).collect(Collectors.toSet());
    List<SpanData> roots = trace.stream().filter(SpanData::isRoot).toList();
    SpanData serverRoot = trace.stream().filter(s -> s.name().equals("chat") || s.name().equals("stream"))
        .findFirst().orElseThrow();
    for (SpanData span : trace) {
      assertThat(span.traceAttributes().userId()).as("user of %s in request %d", span.name(), i).isEqualTo("u-" + i);
      assertThat(span.traceAttributes().sessionId()).isEqualTo("s-" + i);
      if (span != serverRoot && !span.name().equals("client-call")) {
        assertThat(span.parentSpanId()).as("parent of %s in request %d", span.name(), i).isIn(ids);
      }
      if (span.input() != null) {
        assertThat(span.input()).isEqualTo("\"" + q + "\"");
      }
    }
    assertThat(serverRoot.input()).isEqualTo("\"" + q + "\"");

    switch (i % 4) {
      case 0 -> {
        assertThat(roots).containsExactly(serverRoot);
        assertThat(serverRoot.parentSpanId()).isNull();
        assertThat(serverRoot.output()).isEqualTo("\"answer to " + q + "\"");
        assertThat(outcome.body()).isEqualTo("answer to " + q);
      }
      case 1 -> {
        SpanData clientCall = trace.stream().filter(s -> s.name().equals("client-call")).findFirst().orElseThrow();
        assertThat(outcome.clientTraceId()).isEqualTo(clientCall.traceId()).isEqualTo(outcome.traceIdHeader());
        assertThat(clientCall.parentSpanId()).isNull();
        assertThat(serverRoot.parentSpanId()).isEqualTo(clientCall.spanId());
        assertThat(serverRoot.isAppRoot()).isTrue();
        assertThat(serverRoot.output()).isEqualTo("\"answer to " + q + "\"");
      }
      case 2 -> {
        String text = q + "#0 " + q + "#1 " + q + "#2 " + q + "#3 " + q + "#4 ";
        assertThat(serverRoot.parentSpanId()).as("an invalid traceparent starts a new trace").isNull();
        assertThat(serverRoot.output()).isEqualTo("\"" + text + "\"");
        assertThat(serverRoot.level()).isEqualTo(ObservationLevel.DEFAULT);
        SpanData llm = trace.stream().filter(s -> s.name().equals("llm-stream")).findFirst().orElseThrow();
        assertThat(Objects.requireNonNull(llm.generation()).usageDetails()).isEqualTo(Map.of("output", 5L));
        assertThat(outcome.body().replace(" ", "")).isEqualTo(text.replace(" ", ""));
      }
      default -> {
        assertThat(serverRoot.parentSpanId()).isNull();
        assertThat(serverRoot.level()).as("an abandoned stream is a cancelled root").isEqualTo(ObservationLevel.WARNING);
        SpanData llm = trace.stream().filter(s -> s.name().equals("llm-stream")).findFirst().orElseThrow();
        assertThat(llm.level()).isEqualTo(ObservationLevel.WARNING);
        assertThat(llm.output()).startsWith("\"" + q + "#0 " + q + "#1 " + q + "#2 ");
        assertThat(outcome.body().replace(" ", "")).isEqualTo((q + "#0" + q + "#1" + q + "#2"));
      }
    }
  }
}
