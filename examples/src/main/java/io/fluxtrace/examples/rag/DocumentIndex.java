package io.fluxtrace.examples.rag;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A few documents about fluxtrace and a keyword search over them, standing in for a vector store. A real lookup
 * would be a blocking client call, so the search runs on {@code boundedElastic}: the request's first thread hop.
 */
public final class DocumentIndex {

  private static final List<Doc> CORPUS = List.of(
      new Doc("doc-1", "fluxtrace traces Project Reactor pipelines and exports them to Langfuse over OTLP/HTTP.", 0),
      new Doc("doc-2", "The current span lives in the Reactor Context, so concurrent requests never share a trace.", 0),
      new Doc("doc-3", "flush() returns once every ended span is delivered, and close() drains them before exit.", 0),
      new Doc("doc-4", "Any OTLP/HTTP backend can receive the traces: Langfuse, a Collector, Jaeger or Tempo.", 0),
      new Doc("doc-5", "A streaming generation records the time to first token, and usage from the last chunk.", 0));
  private static final Set<String> STOP_WORDS = Set.of("what", "which", "does", "with", "when", "that", "this",
      "from", "have", "your", "there", "they", "work", "about");
  private static final int MAX_RESULTS = 3;

  /** The documents that share words with {@code question}, best first, at most three. */
  public Mono<List<Doc>> search(String question) {
    return Mono.fromCallable(() -> rank(question)).subscribeOn(Schedulers.boundedElastic());
  }

  static List<Doc> rank(String question) {
    Set<String> terms = words(question).stream()
        .filter(w -> w.length() >= 4 && !STOP_WORDS.contains(w))
        .collect(Collectors.toSet());
    return CORPUS.stream()
        .map(doc -> new Doc(doc.id(), doc.text(), score(terms, words(doc.text()))))
        .sorted(Comparator.comparingDouble(Doc::score).reversed().thenComparing(Doc::id))
        .limit(MAX_RESULTS)
        .toList();
  }

  /** The share of the question's terms found in the document; a shared prefix counts ("exit" finds "exits"). */
  private static double score(Set<String> terms, List<String> docWords) {
    if (terms.isEmpty()) {
      return 0;
    }
    long found = terms.stream()
        .filter(term -> docWords.stream()
            .anyMatch(w -> w.startsWith(term) || (term.startsWith(w) && w.length() >= 4)))
        .count();
    return (double) found / terms.size();
  }

  private static List<String> words(String text) {
    return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")).filter(w -> !w.isEmpty()).toList();
  }
}
