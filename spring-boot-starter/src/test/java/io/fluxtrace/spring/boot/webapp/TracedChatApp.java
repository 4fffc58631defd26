package io.fluxtrace.spring.boot.webapp;

import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A chat endpoint traced with the auto-configured {@link ReactorTracing} and nothing else: no filter, no tracer, no
 * lifecycle of its own. {@code GET /chat?q=...} answers the Langfuse trace id of its request; a log line written
 * inside the handler ({@value #LOGGER}) carries the application's own trace id in its MDC.
 */
@SpringBootApplication
public class TracedChatApp {

  /** The logger of the handler's line. */
  public static final String LOGGER = "io.fluxtrace.spring.boot.webapp.Chat";

  private static final Logger log = LoggerFactory.getLogger(LOGGER);

  @Bean
  RouterFunction<ServerResponse> routes(ReactorTracing tracing) {
    return RouterFunctions.route().GET("/chat", request -> chat(tracing, request)).build();
  }

  private static Mono<ServerResponse> chat(ReactorTracing tracing, ServerRequest request) {
    String question = request.queryParam("q").orElse("");
    Mono<String> traceId = Mono.fromCallable(() -> List.of(question + "-doc"))
        .subscribeOn(Schedulers.boundedElastic())
        .transform(tracing.retriever("search").input(question).mono())
        .flatMap(docs -> Mono.fromSupplier(() -> "answer to " + question)
            .publishOn(Schedulers.parallel())
            .transform(tracing.generation("answer").input(question).mono()))
        .flatMap(answer -> TraceContext.currentTraceId())
        .doOnNext(id -> log.info("handled {}", question))
        .transform(tracing.chain("chat").input(question).mono());
    return ServerResponse.ok().body(traceId, String.class);
  }
}
