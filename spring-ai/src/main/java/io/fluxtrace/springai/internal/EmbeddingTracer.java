package io.fluxtrace.springai.internal;

import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Traces {@code EmbeddingModel} calls as {@code embedding} observations: model requested and returned, dimensions,
 * the number of inputs (and the inputs, when content is captured), the number and size of the vectors (never the
 * vectors), usage and cost. Embedding calls are blocking: the parent is the span of the Reactor Context Spring AI
 * hands to a tool, else the {@link Scope} the input belongs to (the query of a traced similarity search, the user
 * text of a {@code ChatClient} call), else the call starts a trace.
 */
public final class EmbeddingTracer {

  private static final Logger log = Loggers.getLogger(EmbeddingTracer.class);

  private final ChatTracer chats;

  public EmbeddingTracer(ChatTracer chats) {
    this.chats = chats;
  }

  /** Traces {@code EmbeddingModel.call(request)}, where the response (and so usage) is visible. */
  public EmbeddingResponse call(EmbeddingRequest request, Function<EmbeddingRequest, EmbeddingResponse> proceed) {
    List<String> texts = request.getInstructions();
    EmbeddingOptions options = request.getOptions();
    String model = options == null ? null : options.getModel();
    Integer dimensions = options == null ? null : options.getDimensions();
    Span span = start(model, texts, texts.size(), dimensions);
    EmbeddingResponse response;
    try {
      response = proceed.apply(request);
    } catch (RuntimeException | Error e) {
      span.endWithError(e);
      throw e;
    }
    try {
      if (span.isRecording() && response != null) {
        record(span, model, response);
      }
    } catch (RuntimeException e) {
      log.warn("fluxtrace: could not record a Spring AI embedding response", e);
    }
    span.end();
    return response;
  }

  /**
   * Traces an embedding method whose result carries no usage (a model's own {@code embed(Document)}, say): model
   * unknown, the number of inputs only.
   */
  public <T> T opaque(List<?> inputs, Supplier<T> proceed) {
    Span span = start(null, inputs, inputs.size(), null);
    T result;
    try {
      result = proceed.get();
    } catch (RuntimeException | Error e) {
      span.endWithError(e);
      throw e;
    }
    span.end();
    return result;
  }

  private Span start(@Nullable String model, List<?> inputs, int count, @Nullable Integer dimensions) {
    try {
      if (!chats.tracer().isEnabled() || (model != null && chats.settings().skipModels().contains(model))) {
        return Span.noop();
      }
      Scope scope = chats.blockingScope(inputs);
      if (scope == null) {
        return Span.noop();
      }
      Span span = chats.tracer().startSpan(model == null ? "embedding" : "embedding " + model,
          ObservationType.EMBEDDING, scope.parent(), scope.attributes());
      scope.started(span.context());
      if (span.isRecording()) {
        if (model != null) {
          span.model(model);
          span.metadata("requestedModel", model);
        }
        if (dimensions != null) {
          span.modelParameter("dimensions", dimensions);
        }
        span.metadata("inputCount", count);
        if (chats.settings().captureContent()) {
          span.input(inputs.stream().map(SpringAiValues::inputText).toList());
        }
      }
      return span;
    } catch (RuntimeException | LinkageError e) {
      log.warn("fluxtrace: could not start a Spring AI embedding span; the call goes on untraced", e);
      return Span.noop();
    }
  }

  private void record(Span span, @Nullable String requested, EmbeddingResponse response) {
    List<Embedding> results = response.getResults();
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("embeddings", results.size());
    if (!results.isEmpty() && results.get(0).getOutput() != null) {
      output.put("dimensions", results.get(0).getOutput().length);
    }
    span.output(output);
    EmbeddingResponseMetadata metadata = response.getMetadata();
    if (metadata == null) {
      return;
    }
    String returned = metadata.getModel();
    if (returned != null && !returned.isEmpty()) {
      span.model(returned);
    }
    Usage usage = metadata.getUsage();
    if (usage == null) {
      return;
    }
    long input = usage.getPromptTokens() == null ? 0 : Math.max(0, usage.getPromptTokens());
    long total = usage.getTotalTokens() == null ? 0 : Math.max(0, usage.getTotalTokens());
    if (input <= 0 && total <= 0) {
      return;
    }
    Map<String, Long> details = new LinkedHashMap<>();
    details.put("input", input);
    details.put("total", total > 0 ? total : input);
    span.usageDetails(details);
    Settings.Price price = chats.settings().price(returned);
    if (price == null) {
      price = chats.settings().price(requested);
    }
    if (price != null) {
      double cost = input * price.inputPerMillion() / 1_000_000d;
      span.costDetails(Map.of("input", cost, "total", cost));
    }
  }
}
