package io.fluxtrace.springai;

import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.springai.internal.ChatTracer;
import io.fluxtrace.springai.internal.EmbeddingTracer;
import io.fluxtrace.springai.internal.RetrievalTracer;
import io.fluxtrace.springai.internal.Settings;
import io.fluxtrace.springai.internal.SpringAiInterceptors;
import io.fluxtrace.springai.internal.ToolTracer;
import io.fluxtrace.springai.internal.TracingAdvisor;
import io.fluxtrace.springai.internal.TracingChatModel;
import io.fluxtrace.springai.internal.TracingToolCallingManager;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.client.advisor.api.Advisor;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.resolution.ToolCallbackResolver;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.util.ClassUtils;
import reactor.util.context.Context;

/**
 * Traces Spring AI 1.1 and 2.0: every {@code ChatModel.call(Prompt)} and {@code ChatModel.stream(Prompt)} (so every
 * {@code ChatClient} call too) becomes one {@code generation} per model call; every tool Spring AI runs a {@code tool}
 * observation beside them; every {@code EmbeddingModel} call an {@code embedding}; every
 * {@code VectorStore.similaritySearch} (the RAG advisors' included) a {@code retriever}; all under the current
 * fluxtrace span of the caller's Reactor Context.
 *
 * <p>With the Spring Boot starter nothing is needed. In a Spring application without it, one bean instruments the
 * context's chat models, tool-calling managers, embedding models and vector stores:
 *
 * <pre>{@code
 * @Bean static BeanPostProcessor springAiTracing(ReactorTracing tracing) { return SpringAiTracing.create(tracing).beanPostProcessor(); }
 * }</pre>
 *
 * <p>and {@code ChatClient.builder(model).defaultAdvisors(springAi.advisor())} for each {@code ChatClient} built by
 * hand. Without Spring's container, wrap the model and the tool-calling manager it is built with
 * ({@link #chatModel(ChatModel)}, {@link #toolCallingManager(ToolCallingManager)}), the embedding model and the
 * vector store ({@link #embeddingModel}, {@link #vectorStore}), and add {@link #advisor()} to the {@code ChatClient}.
 *
 * <p><b>Where the hooks are, and why.</b>
 * <ul>
 *   <li>The <b>chat model</b> is intercepted (a class-keeping proxy, or a delegate) because every path reaches it,
 *       call and stream, with or without a {@code ChatClient}, and a stream's subscriber Context, where the caller's
 *       span lives, reaches it unchanged: one generation per model call, on both lines.
 *   <li>The <b>tool-calling manager</b> is intercepted because Spring AI 1.1 runs its tool loop inside the model:
 *       there the current generation ends with the tool calls the model asked for, the tools run in spans of their
 *       own, and the next model call starts a new generation.
 *   <li>A <b>{@code ChatClient} advisor</b>, first in the chain, because Spring AI 2.0 runs the tool loop in the
 *       {@code ChatClient} ({@code ToolCallingAdvisor}, with the manager the auto-configuration injects or a fresh
 *       one), and a blocking call has no Reactor Context: the advisor opens the scope of the call, which the model
 *       calls, the tools (whose callbacks it wraps) and the blocking searches of the RAG advisors find (in the
 *       Context for a stream, in the options' tool context, or by the identity of the messages and user text Spring
 *       AI hands on). A blocking call's first span starts the trace and parents the rest, as on 1.1.
 *   <li>The <b>embedding model</b> and the <b>vector store</b> are intercepted; a search opens a scope keyed by its
 *       query, so the query's embedding nests under the retriever. The RAG advisors are traced through the store
 *       they search: the search is their work, and its parent is the {@code ChatClient} call's scope.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class SpringAiTracing {

  private final ReactorTracing tracing;
  private final Settings settings;
  private static final boolean VECTOR_STORES =
      ClassUtils.isPresent("org.springframework.ai.vectorstore.VectorStore", SpringAiTracing.class.getClassLoader());

  private final ChatTracer chats;
  private final ToolTracer tools;
  private final EmbeddingTracer embeddings;
  private final @Nullable RetrievalTracer retrievals;

  private SpringAiTracing(ReactorTracing tracing, Settings settings, @Nullable ToolCallbackResolver resolver) {
    this.tracing = tracing;
    this.settings = settings;
    this.chats = new ChatTracer(tracing, settings);
    this.tools = new ToolTracer(chats, resolver);
    this.embeddings = new EmbeddingTracer(chats);
    // Only with spring-ai-vector-store on the classpath: the tracer's class refers to its types.
    this.retrievals = VECTOR_STORES ? new RetrievalTracer(chats) : null;
  }

  /** Spring AI tracing with the defaults: content captured, no prices, nothing skipped. */
  public static SpringAiTracing create(ReactorTracing tracing) {
    return builder(tracing).build();
  }

  /** A builder of Spring AI tracing with {@code tracing}'s tracer. */
  public static Builder builder(ReactorTracing tracing) {
    return new Builder(Objects.requireNonNull(tracing, "tracing"));
  }

  /**
   * Links the generations of the steps above to a Langfuse prompt (by name and version), for {@code contextWrite}:
   *
   * <pre>{@code
   * chatClient.prompt(prompt).stream().content()
   *     .contextWrite(SpringAiTracing.prompt("support-answer", 3))
   * }</pre>
   */
  public static Function<Context, Context> prompt(String name, int version) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || version < 1) {
      throw new IllegalArgumentException("a Langfuse prompt needs a name and a version >= 1, was '" + name + "' "
          + version);
    }
    Object link = ChatTracer.promptLink(name, version);
    return context -> context.put(ChatTracer.PROMPT, link);
  }

  /** A model that traces every call and stream of {@code model}. */
  public ChatModel chatModel(ChatModel model) {
    return new TracingChatModel(Objects.requireNonNull(model, "model"), chats);
  }

  /**
   * A tool-calling manager that traces each tool round of {@code manager}, for building a model with:
   * {@code OpenAiChatModel.builder().toolCallingManager(springAi.toolCallingManager(ToolCallingManager.builder().build()))}.
   * Tools named in the options (rather than given as callbacks) are traced when {@link Builder#toolCallbackResolver}
   * resolves them.
   */
  public ToolCallingManager toolCallingManager(ToolCallingManager manager) {
    return new TracingToolCallingManager(Objects.requireNonNull(manager, "manager"), tools);
  }

  /**
   * The {@code ChatClient} advisor, for {@code ChatClient.builder(model).defaultAdvisors(springAi.advisor())}: it ties
   * together what one {@code ChatClient} call does when the Reactor Context cannot (a blocking call; Spring AI 2's
   * tool loop, which runs in the {@code ChatClient}; the RAG advisors' vector store searches) and traces the call's
   * tools wherever the loop runs. The Spring Boot auto-configuration adds it to every {@code ChatClient.Builder}.
   */
  public Advisor advisor() {
    return new TracingAdvisor(() -> chats, () -> tools);
  }

  /**
   * {@code model} with every embedding call traced as an {@code embedding} observation (model, input count, usage);
   * a proxy of the same class.
   */
  @SuppressWarnings("unchecked")
  public <M extends EmbeddingModel> M embeddingModel(M model) {
    return (M) interceptors().embeddingModel(Objects.requireNonNull(model, "model"));
  }

  /**
   * {@code store} (a {@code VectorStore}) with every similarity search traced as a {@code retriever} observation
   * (query, top-k, threshold, documents as ids with scores); a proxy of the same class.
   */
  @SuppressWarnings("unchecked")
  public <S> S vectorStore(S store) {
    Objects.requireNonNull(store, "store");
    if (retrievals == null || !RetrievalTracer.isVectorStore(store)) {
      throw new IllegalArgumentException("fluxtrace spring-ai: not a VectorStore: " + store.getClass().getName());
    }
    return (S) interceptors().vectorStore(store);
  }

  private SpringAiInterceptors interceptors() {
    return new SpringAiInterceptors(settings.skipBeans(), () -> chats, () -> tools, () -> embeddings,
        () -> retrievals);
  }

  /**
   * A post-processor that instruments every {@code ChatModel} and {@code ToolCallingManager} bean of a Spring
   * application context (beans named in {@link Builder#skipBeans} excepted). Declare it from a {@code static}
   * {@code @Bean} method.
   */
  public BeanPostProcessor beanPostProcessor() {
    return interceptors();
  }

  /**
   * The {@code ChatClient} advisor of a post-processor made by {@link #beanPostProcessor(Supplier, Collection)}
   * (sharing its tracing), for an auto-configuration's {@code ChatClientCustomizer}.
   */
  public static Advisor advisor(BeanPostProcessor postProcessor) {
    if (!(postProcessor instanceof SpringAiInterceptors interceptors)) {
      throw new IllegalArgumentException("not a fluxtrace Spring AI post-processor: " + postProcessor);
    }
    return interceptors.advisor();
  }

  /**
   * As {@link #beanPostProcessor()}, for an auto-configuration: {@code tracing} is called once, on the first traced
   * call, so that the post-processor (which Spring creates early) makes no other bean early.
   */
  public static BeanPostProcessor beanPostProcessor(Supplier<SpringAiTracing> tracing, Collection<String> skipBeans) {
    Objects.requireNonNull(tracing, "tracing");
    AtomicReference<@Nullable SpringAiTracing> memo = new AtomicReference<>();
    Supplier<SpringAiTracing> once = () -> {
      SpringAiTracing t = memo.get();
      if (t == null) {
        t = Objects.requireNonNull(tracing.get(), "tracing supplied null");
        memo.compareAndSet(null, t);
        t = Objects.requireNonNull(memo.get());
      }
      return t;
    };
    return new SpringAiInterceptors(Set.copyOf(skipBeans), () -> once.get().chats, () -> once.get().tools,
        () -> once.get().embeddings, () -> once.get().retrievals);
  }

  /** The tracing the spans are started with. */
  public ReactorTracing tracing() {
    return tracing;
  }

  @Override
  public String toString() {
    return "SpringAiTracing{captureContent=" + settings.captureContent() + ", prices=" + settings.prices().keySet()
        + ", skipModels=" + settings.skipModels() + ", skipBeans=" + settings.skipBeans() + '}';
  }

  /** Configures {@link SpringAiTracing}; not thread-safe, {@link #build()} validates. */
  public static final class Builder {

    private final ReactorTracing tracing;
    private boolean captureContent = true;
    private final Map<String, Settings.Price> prices = new LinkedHashMap<>();
    private final Set<String> skipModels = new LinkedHashSet<>();
    private final Set<String> skipBeans = new LinkedHashSet<>();
    private @Nullable ToolCallbackResolver resolver;

    private Builder(ReactorTracing tracing) {
      this.tracing = tracing;
    }

    /**
     * Whether prompts, completions, tool arguments and tool results are recorded (default true). Recorded content
     * always goes through the tracer's masker. Without content, models, parameters, usage, cost, timings and errors
     * are still recorded.
     */
    public Builder captureContent(boolean captureContent) {
      this.captureContent = captureContent;
      return this;
    }

    /**
     * The price of {@code model} (the model name the provider returns, or else the one requested) in USD per
     * million tokens; cached input tokens cost as much as input tokens. Generations of a priced model get
     * {@code input}, {@code output} and {@code total} cost details; others get none (Langfuse may then infer cost).
     */
    public Builder price(String model, double inputPerMillion, double outputPerMillion) {
      return price(model, inputPerMillion, outputPerMillion, inputPerMillion);
    }

    /** As {@link #price(String, double, double)}, with the price of cached input tokens. */
    public Builder price(String model, double inputPerMillion, double outputPerMillion, double cachedInputPerMillion) {
      Objects.requireNonNull(model, "model");
      prices.put(model, new Settings.Price(inputPerMillion, outputPerMillion, cachedInputPerMillion));
      return this;
    }

    /** Models (by requested or default model name) whose calls are not traced. */
    public Builder skipModels(String... models) {
      skipModels.addAll(Arrays.asList(models));
      return this;
    }

    /** Beans (by name) the {@link #beanPostProcessor()} leaves alone. */
    public Builder skipBeans(String... beans) {
      skipBeans.addAll(Arrays.asList(beans));
      return this;
    }

    /**
     * Resolves the tools a prompt names (rather than gives as callbacks), so that they are traced too: the
     * application's {@code ToolCallbackResolver}, the one its tool-calling manager uses.
     */
    public Builder toolCallbackResolver(@Nullable ToolCallbackResolver resolver) {
      this.resolver = resolver;
      return this;
    }

    /**
     * The configured tracing.
     *
     * @throws IllegalArgumentException naming the setting, for a blank model or bean name
     */
    public SpringAiTracing build() {
      for (String model : prices.keySet()) {
        require(model, "price");
      }
      skipModels.forEach(m -> require(m, "skipModels"));
      skipBeans.forEach(b -> require(b, "skipBeans"));
      return new SpringAiTracing(tracing, new Settings(captureContent, prices, skipModels, skipBeans), resolver);
    }

    private static void require(@Nullable String name, String setting) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("fluxtrace spring-ai " + setting + ": a model or bean name must not be blank");
      }
    }
  }
}
