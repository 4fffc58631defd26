package io.fluxtrace.springai.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The tracing state of one {@code ChatModel.call} or {@code ChatModel.stream} invocation, which Spring AI may turn
 * into several model calls with tool executions in between (its internal tool-calling loop). Each model call is a
 * generation of its own: the tool-calling interceptor ends the current one when the model asks for tools
 * ({@link #toolRound}) and starts the next one with the conversation that goes back to the model
 * ({@link #nextGeneration}). Generations and tools are siblings under the caller's span; a call with no parent in the
 * Context starts a trace with its first generation, and the rest nest under it.
 *
 * <p><b>Usage.</b> Spring AI reports usage cumulatively over the loop and repeats it: after a tool round every chunk
 * of the next model call carries the earlier calls' usage, intermediate chunks carry zeros or nothing, and the last
 * two responses may both carry the total. So each generation records the largest cumulative figure seen while it was
 * current, minus the cumulative figure when it started: zeros never erase real values and nothing is counted twice.
 *
 * <p>Thread-safe: chunks arrive on the HTTP client's threads while tools run on {@code boundedElastic}. The lock
 * guards a few fields and is never held across I/O or user code.
 */
final class ChatInvocation {

  private static final Logger log = Loggers.getLogger(ChatInvocation.class);

  private final FluxTracer tracer;
  private final Settings settings;
  private final @Nullable SpanContext parent;
  private final TraceAttributes attributes;
  private final String name;
  private final @Nullable String requestedModel;
  private final Map<String, Object> parameters;
  private final @Nullable PromptLink prompt;
  /** The caller's message instances: a blocking call's tool round is matched to its invocation by identity. */
  private final List<Message> messages;

  private @Nullable Span current;
  private @Nullable SpanContext siblingsParent;
  private final StringBuilder text = new StringBuilder();
  private @Nullable String finishReason;
  private @Nullable String returnedModel;
  private boolean firstToken;
  private boolean terminated;
  private int generations;
  // Cumulative usage over the invocation: the largest seen, and the figure when the current generation started.
  private final long[] cumulative = new long[3];
  private final long[] baseline = new long[3];
  private long cached;
  private long reasoning;

  ChatInvocation(
      FluxTracer tracer,
      Settings settings,
      @Nullable SpanContext parent,
      TraceAttributes attributes,
      @Nullable String requestedModel,
      Map<String, Object> parameters,
      @Nullable PromptLink prompt,
      List<Message> messages) {
    this.tracer = tracer;
    this.settings = settings;
    this.parent = parent;
    this.attributes = attributes;
    this.requestedModel = requestedModel;
    this.name = requestedModel == null ? "chat" : "chat " + requestedModel;
    this.parameters = parameters;
    this.prompt = prompt;
    this.messages = messages;
  }

  /** A Langfuse prompt, linked to every generation of the invocation. */
  record PromptLink(String name, int version) {}

  TraceAttributes attributes() {
    return attributes;
  }

  List<Message> messages() {
    return messages;
  }

  /** The parent of the tools and later generations: the caller's span, else the first generation. */
  synchronized @Nullable SpanContext siblingsParent() {
    return siblingsParent;
  }

  /** Starts the first generation. */
  synchronized void start() {
    startGeneration(messages);
    Span first = current;
    siblingsParent = parent != null ? parent : first == null ? null : first.context();
  }

  private void startGeneration(List<Message> input) {
    Span span = tracer.startSpan(name, ObservationType.GENERATION, parent != null ? parent : siblingsParent, attributes);
    generations++;
    if (span.isRecording()) {
      if (requestedModel != null) {
        span.model(requestedModel);
        span.metadata("requestedModel", requestedModel);
      }
      if (!parameters.isEmpty()) {
        span.modelParameters(parameters);
      }
      if (prompt != null) {
        span.prompt(prompt.name(), prompt.version());
      }
      if (settings.captureContent()) {
        span.input(SpringAiValues.messages(input));
      }
      if (generations > 1) {
        span.metadata("toolRound", generations - 1);
      }
    }
    current = span;
    text.setLength(0);
    finishReason = null;
    firstToken = false;
    cached = 0;
    reasoning = 0;
    System.arraycopy(cumulative, 0, baseline, 0, 3);
  }

  /** A streamed chunk (or the whole response of a blocking call) for the current generation. */
  void onResponse(ChatResponse response) {
    try {
      synchronized (this) {
        if (terminated || current == null) {
          return;
        }
        observe(response, true);
      }
    } catch (RuntimeException e) {
      log.warn("fluxtrace: could not record a Spring AI chat response; the span goes on without it", e);
    }
  }

  private void observe(ChatResponse response, boolean appendText) {
    Span span = current;
    ChatResponseMetadata metadata = response.getMetadata();
    if (metadata != null) {
      String model = metadata.getModel();
      if (model != null && !model.isEmpty()) {
        returnedModel = model;
      }
      usage(metadata.getUsage());
    }
    boolean content = false;
    for (Generation generation : response.getResults()) {
      if (generation == null) {
        continue;
      }
      AssistantMessage output = generation.getOutput();
      if (output != null) {
        String t = output.getText();
        if (t != null && !t.isEmpty()) {
          content = true;
          if (appendText && settings.captureContent()) {
            text.append(t);
          }
        }
        if (output.hasToolCalls()) {
          content = true;
        }
      }
      if (generation.getMetadata() != null) {
        String reason = generation.getMetadata().getFinishReason();
        if (reason != null && !reason.isEmpty()) {
          finishReason = reason;
        }
      }
    }
    if (content && !firstToken && span != null) {
      firstToken = true;
      span.completionStart();
    }
  }

  private void usage(@Nullable Usage usage) {
    if (usage == null) {
      return;
    }
    long[] seen = {
        nonNegative(usage.getPromptTokens()), nonNegative(usage.getCompletionTokens()), nonNegative(usage.getTotalTokens())
    };
    boolean fresh = false;
    for (int i = 0; i < 3; i++) {
      if (seen[i] > cumulative[i]) {
        cumulative[i] = seen[i];
        fresh = true;
      }
    }
    if (fresh) {
      // Provider details (cached, reasoning) belong to the call whose usage just grew; later repeats keep them.
      long[] details = SpringAiValues.tokenDetails(usage.getNativeUsage());
      cached = Math.max(cached, details[0]);
      reasoning = Math.max(reasoning, details[1]);
    }
  }

  private static long nonNegative(@Nullable Integer value) {
    return value == null || value < 0 ? 0 : value;
  }

  /**
   * The model asked for tools: ends the current generation with the tool calls as its output.
   *
   * @return the parent of the tool spans, or null when the invocation already ended (a cancel won the race)
   */
  @Nullable SpanContext toolRound(ChatResponse response) {
    Span ended;
    synchronized (this) {
      if (terminated || current == null) {
        return null;
      }
      observe(response, false);
      ended = current;
      current = null;
      finish(ended, SpringAiValues.toolCalls(response), textAndResponse(response));
    }
    ended.end();
    return siblingsParent;
  }

  private @Nullable String textAndResponse(ChatResponse response) {
    if (!settings.captureContent()) {
      return null;
    }
    StringBuilder t = new StringBuilder(text);
    for (Generation generation : response.getResults()) {
      if (generation != null && generation.getOutput() != null && generation.getOutput().getText() != null) {
        t.append(generation.getOutput().getText());
      }
    }
    return t.toString();
  }

  /** The tools ran and their results go back to the model: the next generation starts. */
  void nextGeneration(List<Message> conversation) {
    synchronized (this) {
      if (terminated) {
        return;
      }
      startGeneration(conversation);
    }
  }

  /** The invocation completed: ends the last generation with what it answered. */
  void complete(@Nullable ChatResponse last) {
    Span ended = terminate(SpringAiValues.toolCalls(last), false);
    if (ended != null) {
      ended.end();
    }
  }

  /** The invocation failed: ends the current generation with level ERROR and the provider's message. */
  void error(Throwable error) {
    Span ended = terminate(List.of(), true);
    if (ended == null) {
      return;
    }
    String body = responseBody(error);
    if (body != null && ended.isRecording()) {
      ended.statusMessage(error.getClass().getName() + ": " + error.getMessage() + " - " + body);
    }
    ended.endWithError(error);
  }

  /** The subscriber cancelled: ends the current generation with level WARNING and the usage seen so far. */
  void cancel() {
    Span ended = terminate(List.of(), false);
    if (ended != null) {
      ended.endCancelled();
    }
  }

  /**
   * Terminates the invocation once: takes the current generation and records its tool calls and the text streamed so
   * far, under the monitor; the caller ends the returned span outside it. Null when already terminated or when no
   * generation is open.
   */
  private synchronized @Nullable Span terminate(List<AssistantMessage.ToolCall> toolCalls, boolean onlyNonEmptyText) {
    if (terminated) {
      return null;
    }
    terminated = true;
    Span ended = current;
    current = null;
    if (ended != null) {
      boolean keepText = settings.captureContent() && (!onlyNonEmptyText || text.length() > 0);
      finish(ended, toolCalls, keepText ? text.toString() : null);
    }
    return ended;
  }

  /**
   * The provider's error body, which a streaming client's exception keeps out of its message (Spring's
   * {@code WebClientResponseException}); looked up by method name so that no web client is needed on the classpath.
   */
  static @Nullable String responseBody(Throwable error) {
    Throwable t = error;
    for (int depth = 0; t != null && depth < 5; depth++, t = t.getCause()) {
      try {
        java.lang.reflect.Method method = t.getClass().getMethod("getResponseBodyAsString");
        Object body = method.invoke(t);
        if (body instanceof String s && !s.isBlank() && (t.getMessage() == null || !t.getMessage().contains(s))) {
          return s;
        }
        return null;
      } catch (ReflectiveOperationException | RuntimeException e) {
        // Not an HTTP client exception: look at its cause.
      }
    }
    return null;
  }

  private void finish(Span span, List<AssistantMessage.ToolCall> toolCalls, @Nullable String output) {
    if (!span.isRecording()) {
      return;
    }
    if (returnedModel != null) {
      span.model(returnedModel);
    }
    if (finishReason != null) {
      span.metadata("finishReason", finishReason);
    }
    if (settings.captureContent() && (output != null || !toolCalls.isEmpty())) {
      span.output(SpringAiValues.assistant(output, toolCalls));
    }
    long input = cumulative[0] - baseline[0];
    long outputTokens = cumulative[1] - baseline[1];
    long total = cumulative[2] - baseline[2];
    if (input <= 0 && outputTokens <= 0 && total <= 0) {
      return;
    }
    // Langfuse's convention: cached and reasoning tokens are their own kinds, taken out of input and output, so
    // that a price per kind never charges a token twice; total stays what the provider reported.
    long cachedTokens = Math.min(Math.max(cached, 0), Math.max(input, 0));
    long reasoningTokens = Math.min(Math.max(reasoning, 0), Math.max(outputTokens, 0));
    Map<String, Long> usage = new LinkedHashMap<>();
    usage.put("input", Math.max(0, input - cachedTokens));
    usage.put("output", Math.max(0, outputTokens - reasoningTokens));
    usage.put("total", total > 0 ? total : Math.max(0, input) + Math.max(0, outputTokens));
    if (cachedTokens > 0) {
      usage.put("input_cached_tokens", cachedTokens);
    }
    if (reasoningTokens > 0) {
      usage.put("output_reasoning_tokens", reasoningTokens);
    }
    span.usageDetails(usage);
    Settings.Price price = settings.price(returnedModel);
    if (price == null) {
      price = settings.price(requestedModel);
    }
    if (price != null) {
      double inputCost = (usage.get("input") * price.inputPerMillion() + cachedTokens * price.cachedInputPerMillion())
          / 1_000_000d;
      double outputCost = outputTokens * price.outputPerMillion() / 1_000_000d;
      Map<String, Double> cost = new LinkedHashMap<>();
      cost.put("input", inputCost);
      cost.put("output", outputCost);
      cost.put("total", inputCost + outputCost);
      span.costDetails(cost);
    }
  }
}
