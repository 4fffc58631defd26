package io.fluxtrace.springboot.app;

import io.fluxtrace.Score;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * {@code POST /chat}: the question in the body, the answer as server-sent events. Events: {@code trace} (the trace
 * id, first), one {@code chunk} per chunk the model streams, and {@code done} (the trace id again) once every span
 * of the request has ended and its score was recorded. Every step waits {@code pace} (a Reactor timer), so that a
 * request is in flight for a while; {@code ?chunks=N} overrides the number of chunks.
 *
 * <p>When {@code gated}, the model streams nothing until {@code POST /gate} opens the gate once for all requests
 * (as a model whose capacity frees up): a test can have hundreds of requests in flight, whatever the time it takes
 * to start them, and then know how long each still runs.
 */
final class ChatHandler {

  private final ReactorTracing tracing;
  private final Duration pace;
  private final int chunks;
  private final Sinks.Empty<Void> gate = Sinks.empty();
  private final Mono<Void> modelReady;

  ChatHandler(ReactorTracing tracing, Duration pace, int chunks, boolean gated) {
    this.tracing = tracing;
    this.pace = pace;
    this.chunks = chunks;
    this.modelReady = gated ? gate.asMono() : Mono.empty();
  }

  /** {@code POST /gate}: lets every waiting and future request's model stream. */
  Mono<ServerResponse> openGate(ServerRequest request) {
    gate.tryEmitEmpty();
    return ServerResponse.noContent().build();
  }

  Mono<ServerResponse> chat(ServerRequest request) {
    int chunkCount = request.queryParam("chunks").map(Integer::parseInt).orElse(chunks);
    return request.bodyToMono(String.class)
        .flatMap(question -> {
          Flux<ServerSentEvent<String>> events = Flux.defer(() -> {
            AtomicReference<String> traceId = new AtomicReference<>("");
            return answer(question, chunkCount, traceId::set)
                .concatWith(Mono.fromSupplier(() -> done(Objects.requireNonNullElse(traceId.get(), ""))));
          });
          return ServerResponse.ok()
              .contentType(MediaType.TEXT_EVENT_STREAM)
              .body(BodyInserters.fromServerSentEvents(events));
        });
  }

  /** The traced part: the root step around a retrieval, a tool call and a streaming generation. */
  private Flux<ServerSentEvent<String>> answer(String question, int chunkCount, Consumer<String> onTraceId) {
    return TraceContext.currentTraceId()
        .doOnNext(onTraceId)
        .map(id -> event("trace", id))
        .concatWith(search(question)
            .flatMap(docs -> weather("Paris").map(weather -> prompt(question, docs, weather)))
            .flatMapMany(prompt -> generate(prompt, chunkCount))
            .map(chunk -> event("chunk", chunk)))
        .transform(tracing.chain("chat").input(question).flux());
  }

  private Mono<List<String>> search(String question) {
    return Mono.delay(pace)
        .map(tick -> List.of("fluxtrace traces Reactor pipelines", "spans live in the Reactor Context"))
        .transform(tracing.retriever("search").input(question).mono());
  }

  private Mono<String> weather(String city) {
    return Mono.delay(pace)
        .map(tick -> "sunny in " + city)
        .transform(tracing.tool("weather").input(city).mono());
  }

  private Flux<String> generate(String prompt, int chunkCount) {
    return modelReady
        .thenMany(Flux.interval(pace))
        .take(chunkCount)
        .map(i -> "word" + i + " ")
        .transform(tracing.generation("answer")
            .model("fake-llm")
            .input(prompt)
            .flux(Collectors.joining()));
  }

  /** Scores the finished trace, then tells the client that the answer is whole. */
  private ServerSentEvent<String> done(String traceId) {
    if (!traceId.isEmpty()) {
      tracing.tracer().score(Score.numeric("helpfulness", 0.9).traceId(traceId).build());
    }
    return event("done", traceId);
  }

  private static String prompt(String question, List<String> docs, String weather) {
    return "Answer " + question + " from " + docs + " (" + weather + ")";
  }

  private static ServerSentEvent<String> event(String name, String data) {
    return ServerSentEvent.builder(data).event(name).build();
  }
}
