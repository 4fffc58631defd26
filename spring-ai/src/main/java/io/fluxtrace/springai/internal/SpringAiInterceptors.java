package io.fluxtrace.springai.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.ToolExecutionResult;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
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

  private final Supplier<@Nullable ChatTracer> chats;
  private final Supplier<@Nullable ToolTracer> tools;
  private final Set<String> skipBeans;

  public SpringAiInterceptors(Set<String> skipBeans, Supplier<@Nullable ChatTracer> chats, Supplier<@Nullable ToolTracer> tools) {
    this.skipBeans = Set.copyOf(skipBeans);
    this.chats = chats;
    this.tools = tools;
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
    return bean;
  }

  private static Object proxy(Object bean, MethodInterceptor advice) {
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
