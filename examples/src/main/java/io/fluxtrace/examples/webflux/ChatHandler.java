package io.fluxtrace.examples.webflux;

import io.fluxtrace.examples.rag.RagPipeline;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code POST /chat}: the question in the body, the answer streamed back as server-sent events. */
final class ChatHandler {

  static final String TRACE_ID_HEADER = "x-trace-id";

  private final ReactorTracing tracing;
  private final RagPipeline pipeline;

  ChatHandler(ReactorTracing tracing, RagPipeline pipeline) {
    this.tracing = tracing;
    this.pipeline = pipeline;
  }

  // README: sse
  /** One event per chunk as the model streams it; the root step records the question and the whole answer. */
  Mono<ServerResponse> chat(ServerRequest request) {
    return request.bodyToMono(String.class)
        .flatMap(question -> {
          Flux<ServerSentEvent<String>> events = TraceContext.currentTraceId()
              .doOnNext(id -> request.exchange().getResponse().getHeaders().set(TRACE_ID_HEADER, id))
              .thenMany(pipeline.answer(question))
              .transform(tracing.chain("chat").input(question).flux(Collectors.joining()))
              .map(chunk -> ServerSentEvent.builder(chunk).build());
          return ServerResponse.ok()
              .contentType(MediaType.TEXT_EVENT_STREAM)
              .body(BodyInserters.fromServerSentEvents(events));
        })
        .switchIfEmpty(Mono.defer(() -> ServerResponse.badRequest().bodyValue("Ask a question in the body.\n")));
  }
  // END README
}
