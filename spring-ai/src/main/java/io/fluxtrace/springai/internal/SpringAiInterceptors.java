package io.fluxtrace.springai.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;

/**
 * Instruments the Spring AI beans of an application context: every {@link ChatModel} bean (its {@code call(Prompt)}
 * and {@code stream(Prompt)}) and every {@link ToolCallingManager} bean (its {@code executeToolCalls}).
 *
 * <p>The beans are proxied, not replaced by a delegate: a class-based proxy is still an {@code OpenAiChatModel}, so
 * an application that injects the concrete model class keeps working, and the model's own tool-calling manager, a
 * bean injected into it, is the traced one. The tracers are looked up on first use, so that this post-processor,
 * which Spring creates early, pulls no other bean early.
 */
public final class SpringAiInterceptors implements BeanPostProcessor, Ordered {

  private static final boolean VECTOR_STORES = ClassUtils.isPresent(
      "org.springframework.ai.vectorstore.VectorStore", SpringAiInterceptors.class.getClassLoader());

  private final Supplier<@Nullable ChatTracer> chats;
  private final Supplier<@Nullable ToolTracer> tools;
  private final Supplier<@Nullable EmbeddingTracer> embeddings;
  private final Supplier<@Nullable RetrievalTracer> retrievals;
  private final Set<String> skipBeans;

  public SpringAiInterceptors(Set<String> skipBeans, Supplier<@Nullable ChatTracer> chats,
      Supplier<@Nullable ToolTracer> tools, Supplier<@Nullable EmbeddingTracer> embeddings,
      Supplier<@Nullable RetrievalTracer> retrievals) {
    this.skipBeans = Set.copyOf(skipBeans);
    this.chats = chats;
    this.tools = tools;
    this.embeddings = embeddings;
    this.retrievals = retrievals;
  }

  /** The {@code ChatClient} advisor sharing this post-processor's tracers. */
  public TracingAdvisor advisor() {
    return new TracingAdvisor(chats, tools);
  }

  /** {@code model} with its embedding calls traced (programmatic set-up); its class is kept. */
  public EmbeddingModel embeddingModel(EmbeddingModel model) {
    return (EmbeddingModel) proxy(model, new EmbeddingAdvice());
  }

  /** {@code store} with its similarity searches traced (programmatic set-up); its class is kept. */
  public Object vectorStore(Object store) {
    return proxy(store, new VectorStoreAdvice());
  }

  @Override
  public int getOrder() {
    // After the other post-processors, so that our advice wraps what they made of the bean.
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
    if (skipBeans.contains(beanName)) {
      return bean;
    }
    if (bean instanceof ChatModel) {
      return proxy(bean, new ChatModelAdvice());
    }
    if (bean instanceof ToolCallingManager) {
      return proxy(bean, new ToolCallingAdvice());
    }
    if (bean instanceof EmbeddingModel) {
      return proxy(bean, new EmbeddingAdvice());
    }
    if (VECTOR_STORES && RetrievalTracer.isVectorStore(bean)) {
      return proxy(bean, new VectorStoreAdvice());
    }
    return bean;
  }

  static Object proxy(Object bean, MethodInterceptor advice) {
    if (bean instanceof Advised advised && !advised.isFrozen()) {
      advised.addAdvice(0, advice);
      return bean;
    }
    ProxyFactory factory = new ProxyFactory(bean);
    factory.setProxyTargetClass(!Modifier.isFinal(bean.getClass().getModifiers()));
    factory.addAdvice(advice);
    return factory.getProxy(bean.getClass().getClassLoader());
  }

  private static boolean takesOne(Method method, String name, Class<?> type) {
    return method.getName().equals(name) && method.getParameterCount() == 1 && method.getParameterTypes()[0] == type;
  }

  /** A fresh invocation with {@code args}: a Flux may be subscribed (and so proceed) more than once, later. */
  private static Object proceed(MethodInvocation invocation, Object... args) throws Throwable {
    if (invocation instanceof ProxyMethodInvocation pmi) {
      return pmi.invocableClone(args).proceed();
    }
    try {
      return invocation.getMethod().invoke(invocation.getThis(), args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() == null ? e : e.getCause();
    }
  }

  private static RuntimeException unchecked(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  private final class ChatModelAdvice implements MethodInterceptor {
    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
      Method method = invocation.getMethod();
      ChatTracer tracer = null;
      boolean call = takesOne(method, "call", Prompt.class);
      boolean stream = !call && takesOne(method, "stream", Prompt.class);
      if (call || stream) {
        tracer = chats.get();
      }
      if (tracer == null || invocation.getArguments()[0] == null) {
        return invocation.proceed();
      }
      ChatModel model = (ChatModel) invocation.getThis();
      Prompt prompt = (Prompt) invocation.getArguments()[0];
      if (model == null) {
        return invocation.proceed();
      }
      if (call) {
        return tracer.call(model, prompt, Context.empty(), p -> {
          try {
            return (ChatResponse) proceed(invocation, p);
          } catch (Throwable t) {
            throw unchecked(t);
          }
        });
      }
      return tracer.stream(model, prompt, p -> {
        try {
          @SuppressWarnings("unchecked")
          Flux<ChatResponse> flux = (Flux<ChatResponse>) proceed(invocation, p);
          return flux;
        } catch (Throwable t) {
          return Flux.error(t);
        }
      });
    }
  }

  /**
   * {@code call(EmbeddingRequest)} is traced with its response (usage). The interface's default methods that only
   * build a request ({@code embed(String)}, {@code embed(List<String>)}, {@code embedForResponse}) run on a
   * {@link TracingEmbeddingModel} view of the bean, so that their own {@code call} is the traced one (a call the
   * bean makes on itself never reaches the proxy); other embedding methods are traced without usage.
   */
  private final class EmbeddingAdvice implements MethodInterceptor {
    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
      Method method = invocation.getMethod();
      EmbeddingTracer tracer = embeddings.get();
      Object target = invocation.getThis();
      Object[] args = invocation.getArguments();
      if (tracer == null || !(target instanceof EmbeddingModel model)) {
        return invocation.proceed();
      }
      if (takesOne(method, "call", EmbeddingRequest.class) && args[0] instanceof EmbeddingRequest request) {
        return tracer.call(request, r -> {
          try {
            return (EmbeddingResponse) proceed(invocation, r);
          } catch (Throwable t) {
            throw unchecked(t);
          }
        });
      }
      String name = method.getName();
      if (!name.equals("embed") && !name.equals("embedForResponse")) {
        return invocation.proceed();
      }
      boolean textsOnly = args.length == 1 && (args[0] instanceof String || args[0] instanceof List<?>);
      if (textsOnly && isInterfaceDefault(target.getClass(), method)) {
        try {
          return method.invoke(new TracingEmbeddingModel(model, tracer), args);
        } catch (java.lang.reflect.InvocationTargetException e) {
          throw e.getCause() == null ? e : e.getCause();
        }
      }
      List<?> inputs = args.length > 0 && args[0] instanceof List<?> list ? list
          : args.length > 0 && args[0] != null ? List.of(args[0]) : List.of();
      return tracer.opaque(inputs, () -> {
        try {
          return proceed(invocation, args);
        } catch (Throwable t) {
          throw unchecked(t);
        }
      });
    }
  }

  private static boolean isInterfaceDefault(Class<?> type, Method method) {
    try {
      Method implementation = type.getMethod(method.getName(), method.getParameterTypes());
      return implementation.isDefault() && implementation.getDeclaringClass() == EmbeddingModel.class;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  /** {@code similaritySearch(SearchRequest)} and {@code similaritySearch(String)}, traced as retrievers. */
  private final class VectorStoreAdvice implements MethodInterceptor {
    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
      Method method = invocation.getMethod();
      RetrievalTracer tracer = method.getName().equals("similaritySearch") && method.getParameterCount() == 1
          ? retrievals.get() : null;
      Object target = invocation.getThis();
      Object argument = invocation.getArguments()[0];
      if (tracer == null || target == null || argument == null) {
        return invocation.proceed();
      }
      return tracer.search(target, argument, invocation.getArguments(), args -> {
        try {
          return proceed(invocation, args);
        } catch (Throwable t) {
          throw unchecked(t);
        }
      });
    }
  }

  private final class ToolCallingAdvice implements MethodInterceptor {
    @Override
    public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
      Method method = invocation.getMethod();
      if (!method.getName().equals("executeToolCalls") || method.getParameterCount() != 2) {
        return invocation.proceed();
      }
      ToolTracer tracer = tools.get();
      Object[] args = invocation.getArguments();
      if (tracer == null || !(args[0] instanceof Prompt prompt) || !(args[1] instanceof ChatResponse response)) {
        return invocation.proceed();
      }
      return tracer.executeToolCalls(prompt, response, (p, r) -> {
        try {
          return (ToolExecutionResult) proceed(invocation, p, r);
        } catch (Throwable t) {
          throw unchecked(t);
        }
      });
    }
  }
}
