package io.fluxtrace.springai.internal;

import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.document.Document;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.VectorStore;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Traces {@code VectorStore.similaritySearch} as {@code retriever} observations: the query (when content is
 * captured), top-k, similarity threshold and filter, and the documents found as ids with scores. This is also how
 * Spring AI's RAG advisors ({@code QuestionAnswerAdvisor}, and {@code RetrievalAugmentationAdvisor} through its
 * {@code VectorStoreDocumentRetriever}) are traced: they search a vector store in a blocking step, whose parent is
 * found in the {@code ChatClient} call's {@link Scope} by the identity of the user text they search for. The search
 * opens a scope of its own, keyed by the query, so that the embedding of the query nests under the retriever.
 *
 * <p>Loaded only when {@code spring-ai-vector-store} is on the classpath.
 */
public final class RetrievalTracer {

  private static final Logger log = Loggers.getLogger(RetrievalTracer.class);

  private final ChatTracer chats;

  public RetrievalTracer(ChatTracer chats) {
    this.chats = chats;
  }

  /** Whether {@code bean} is a vector store (this class is only loaded when the type exists). */
  public static boolean isVectorStore(Object bean) {
    return bean instanceof VectorStore;
  }

  /** Traces {@code store.similaritySearch(request)}. */
  public List<Document> search(Object store, SearchRequest request, Supplier<List<Document>> proceed) {
    Span span = Span.noop();
    AutoCloseable handle = null;
    String query = request.getQuery();
    try {
      Scope scope = chats.tracer().isEnabled() ? chats.blockingScope(List.of(query)) : null;
      if (scope != null) {
        String name = store instanceof VectorStore vectorStore
            ? vectorStore.getName() : store.getClass().getSimpleName();
        span = chats.tracer().startSpan("retrieve " + name, ObservationType.RETRIEVER, scope.parent(),
            scope.attributes());
        scope.started(span.context());
        if (span.isRecording()) {
          span.input(input(request));
          span.metadata("topK", request.getTopK());
          span.metadata("similarityThreshold", request.getSimilarityThreshold());
        }
        handle = chats.scopes().open(new Scope(span.context(), scope.attributes()), List.of(query));
      }
    } catch (RuntimeException | LinkageError e) {
      log.warn("fluxtrace: could not start a Spring AI retriever span; the search goes on untraced", e);
    }
    List<Document> documents;
    try {
      documents = proceed.get();
    } catch (RuntimeException | Error e) {
      Scopes.close(handle);
      span.endWithError(e);
      throw e;
    }
    Scopes.close(handle);
    try {
      if (span.isRecording() && documents != null) {
        span.output(output(documents));
      }
    } catch (RuntimeException e) {
      log.warn("fluxtrace: could not record the documents of a Spring AI similarity search", e);
    }
    span.end();
    return documents;
  }

  private Map<String, Object> input(SearchRequest request) {
    Map<String, Object> input = new LinkedHashMap<>();
    if (chats.settings().captureContent()) {
      input.put("query", request.getQuery());
    }
    input.put("topK", request.getTopK());
    input.put("similarityThreshold", request.getSimilarityThreshold());
    if (request.getFilterExpression() != null) {
      input.put("filter", String.valueOf(request.getFilterExpression()));
    }
    return input;
  }

  private static List<Map<String, Object>> output(List<Document> documents) {
    List<Map<String, Object>> out = new ArrayList<>(documents.size());
    for (Document document : documents) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", document.getId());
      @Nullable Double score = document.getScore();
      if (score != null) {
        m.put("score", score);
      }
      out.add(m);
    }
    return out;
  }

  /**
   * A search through the proxy: {@code argument} is a {@code SearchRequest} or a query (then searched with the
   * store's defaults, as {@code similaritySearch(String)} does).
   */
  @SuppressWarnings("unchecked")
  Object search(Object store, Object argument, Object[] args, java.util.function.Function<Object[], Object> proceed) {
    SearchRequest request = argument instanceof SearchRequest r ? r
        : argument instanceof String query ? SearchRequest.builder().query(query).build() : null;
    if (request == null) {
      return proceed.apply(args);
    }
    return search(store, request, () -> (List<Document>) proceed.apply(args));
  }
}
