package io.fluxtrace.examples.rag;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.util.List;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Answers a question in three traced steps: {@code retrieve} (a retriever), {@code rerank} (a tool, with a WARNING
 * event when nothing is relevant) and {@code generate} (a streaming generation with model, usage and cost). The
 * work hops threads (the lookup on {@code boundedElastic}, rerank and the model's stream on {@code parallel}); the
 * spans find their parent in the Reactor Context all the same.
 *
 * <p>The caller wraps {@link #answer} in the request's root step and writes the request's user and session with
 * {@code contextWrite}, as {@code DemoMain} and the WebFlux {@code ChatHandler} do.
 */
public final class RagPipeline {

  /** Documents scoring below this are dropped by rerank. */
  static final double MIN_SCORE = 0.3;
  private static final int MAX_NOTES = 2;

  private final ReactorTracing tracing;
  private final DocumentIndex index;
  private final FakeChatModel model;

  /** A pipeline that traces with {@code tracing}. */
  public RagPipeline(ReactorTracing tracing, DocumentIndex index, FakeChatModel model) {
    this.tracing = tracing;
    this.index = index;
    this.model = model;
  }

  /** The answer, streamed in chunks as the model produces them. */
  public Flux<String> answer(String question) {
    return retrieve(question)
        .flatMap(docs -> rerank(question, docs))
        .flatMapMany(notes -> generate(question, notes))
        .map(ChatChunk::text);
  }

  private Mono<List<Doc>> retrieve(String question) {
    return index.search(question)
        .transform(tracing.retriever("retrieve").input(question).mono(RagPipeline::ids));
  }

  private Mono<List<Doc>> rerank(String question, List<Doc> docs) {
    return Mono.fromSupplier(() -> docs.stream().filter(d -> d.score() >= MIN_SCORE).limit(MAX_NOTES).toList())
        .subscribeOn(Schedulers.parallel())
        .flatMap(kept -> TraceContext.currentSpan()
            .doOnNext(span -> span.metadata("dropped", docs.size() - kept.size()))
            .thenReturn(kept))
        .flatMap(kept -> kept.isEmpty()
            ? tracing.event("nothing-relevant")
                .level(ObservationLevel.WARNING)
                .statusMessage("no document scored " + MIN_SCORE + " or more")
                .input(question)
                .record()
                .thenReturn(kept)
            : Mono.just(kept))
        .transform(tracing.tool("rerank").input(ids(docs)).mono(RagPipeline::ids));
  }

  private Flux<ChatChunk> generate(String question, List<Doc> notes) {
    String prompt = prompt(question, notes);
    return model.stream(prompt)
        .transform(tracing.generation("generate")
            .model(FakeChatModel.MODEL)
            .modelParameter("temperature", 0.0)
            .input(prompt)
            .usage(ChatChunk::usage)
            .cost(ChatChunk::cost)
            .flux(Collectors.mapping(ChatChunk::text, Collectors.joining())));
  }

  static String prompt(String question, List<Doc> notes) {
    return "Answer from these notes only:\n"
        + notes.stream().map(d -> FakeChatModel.NOTE + d.text() + "\n").collect(Collectors.joining())
        + "Question: " + question;
  }

  private static List<String> ids(List<Doc> docs) {
    return docs.stream().map(d -> d.id() + " (" + Math.round(d.score() * 100) / 100.0 + ")").toList();
  }
}
