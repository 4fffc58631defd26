package io.fluxtrace.examples.springboot;

import io.fluxtrace.Score;
import io.fluxtrace.reactor.ReactorTracing;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Answers a question in traced steps, with the auto-configured {@link ReactorTracing}: a retrieval, a tool call, a
 * streaming generation with usage, and a score of the trace. The model is a stand-in that streams words, so the
 * sample runs without an API key; the tracing is the same with a real one.
 */
@Service
class Assistant {

  /** A streamed piece of the answer; usage comes with the last one, as streaming APIs do. */
  record Chunk(String text, @Nullable Map<String, Long> usage) {}

  private static final List<String> DOCS = List.of(
      "fluxtrace keeps the current span in the Reactor Context",
      "the starter closes the tracer after the web server's graceful shutdown",
      "Langfuse reads user and session from every span");

  private final ReactorTracing tracing;

  Assistant(ReactorTracing tracing) {
    this.tracing = tracing;
  }

  Flux<String> answer(String question) {
    return retrieve(question)
        .zipWith(clock(question))
        .flatMapMany(found -> generate(question, found.getT1(), found.getT2()))
        .map(Chunk::text)
        .concatWith(tracing.scoreTrace(() -> Score.numeric("helpfulness", 1.0)).then(Mono.empty()))
        .transform(tracing.chain("chat").input(question).flux(Collectors.joining()));
  }

  private Mono<List<String>> retrieve(String question) {
    String[] words = question.toLowerCase(Locale.ROOT).split("\\W+");
    return Mono.fromCallable(() -> DOCS.stream()
            .filter(doc -> List.of(words).stream().anyMatch(w -> w.length() > 3 && doc.contains(w)))
            .toList())
        .subscribeOn(Schedulers.boundedElastic())
        .transform(tracing.retriever("search-docs").input(question).mono());
  }

  private Mono<String> clock(String question) {
    return Mono.fromSupplier(() -> "12:00 UTC")
        .transform(tracing.tool("clock").input(Map.of("question", question)).mono());
  }

  private Flux<Chunk> generate(String question, List<String> docs, String time) {
    String prompt = "Notes: " + docs + "\nTime: " + time + "\nQuestion: " + question;
    List<String> words = List.of(("At " + time + ": " + (docs.isEmpty() ? "I know nothing about that." : docs.get(0)))
        .split(" "));
    return Flux.range(0, words.size())
        .delayElements(Duration.ofMillis(5))
        .map(i -> new Chunk((i == 0 ? "" : " ") + words.get(i), i == words.size() - 1
            ? Map.of("input", (long) prompt.length() / 4, "output", (long) words.size()) : null))
        .transform(tracing.generation("answer")
            .model("stand-in-1")
            .modelParameter("temperature", 0.0)
            .input(prompt)
            .usage(Chunk::usage)
            .flux(Collectors.mapping(Chunk::text, Collectors.joining())));
  }
}
