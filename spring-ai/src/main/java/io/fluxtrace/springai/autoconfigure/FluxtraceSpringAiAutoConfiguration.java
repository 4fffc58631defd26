package io.fluxtrace.springai.autoconfigure;

import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.springai.SpringAiTracing;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.client.advisor.api.Advisor;
import org.springframework.ai.tool.resolution.ToolCallbackResolver;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Traces Spring AI with zero code when Spring AI and a {@link ReactorTracing} bean (the fluxtrace starter's, or the
 * application's) are present: every chat model, tool-calling manager, embedding model and vector store bean is
 * instrumented, and every auto-configured {@code ChatClient.Builder} gets fluxtrace's advisor (see
 * {@link SpringAiTracing}). Turned off with {@code fluxtrace.spring-ai.enabled=false}; configured by
 * {@link FluxtraceSpringAiProperties}.
 */
@AutoConfiguration(afterName = FluxtraceSpringAiAutoConfiguration.STARTER_AUTO_CONFIGURATION)
// By name: the class is read (not loaded) where Spring AI is absent.
@ConditionalOnClass(name = {"org.springframework.ai.chat.model.ChatModel", "io.fluxtrace.reactor.ReactorTracing"})
@ConditionalOnBean(ReactorTracing.class)
@ConditionalOnProperty(prefix = "fluxtrace.spring-ai", name = "enabled", matchIfMissing = true)
public class FluxtraceSpringAiAutoConfiguration {

  /** The starter's auto-configuration, which defines the {@link ReactorTracing} bean; this one runs after it. */
  static final String STARTER_AUTO_CONFIGURATION = "io.fluxtrace.spring.boot.autoconfigure.FluxtraceAutoConfiguration";

  /**
   * The post-processor that instruments the Spring AI beans. Static, and bound from the {@link Environment}
   * directly, so that declaring it initializes no other bean early; the tracing is looked up on first use.
   */
  @Bean
  static BeanPostProcessor fluxtraceSpringAiBeanPostProcessor(
      ObjectProvider<ReactorTracing> tracing, ObjectProvider<ToolCallbackResolver> resolver, Environment environment) {
    FluxtraceSpringAiProperties properties = Binder.get(environment)
        .bind("fluxtrace.spring-ai", FluxtraceSpringAiProperties.class)
        .orElseGet(() -> new FluxtraceSpringAiProperties(true, true, null, null, null));
    List<String> skipBeans = properties.skipBeans();
    return SpringAiTracing.beanPostProcessor(
        () -> springAiTracing(tracing.getObject(), resolver.getIfUnique(), properties),
        skipBeans == null ? List.of() : skipBeans);
  }

  /**
   * Adds fluxtrace's advisor to every {@code ChatClient.Builder} Spring AI's auto-configuration makes, so that a
   * {@code ChatClient} call is one unit: Spring AI 2 runs the tool loop in the {@code ChatClient}, and the RAG
   * advisors search in blocking steps (see {@link SpringAiTracing#advisor()}).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.ai.chat.client.ChatClientCustomizer")
  static class ChatClientConfiguration {

    @Bean
    ChatClientCustomizer fluxtraceChatClientCustomizer(
        @Qualifier("fluxtraceSpringAiBeanPostProcessor") BeanPostProcessor postProcessor) {
      Advisor advisor = SpringAiTracing.advisor(postProcessor);
      return builder -> builder.defaultAdvisors(advisor);
    }
  }

  static SpringAiTracing springAiTracing(
      ReactorTracing tracing, @Nullable ToolCallbackResolver resolver, FluxtraceSpringAiProperties properties) {
    SpringAiTracing.Builder builder = SpringAiTracing.builder(tracing)
        .captureContent(properties.captureContent())
        .toolCallbackResolver(resolver);
    Map<String, FluxtraceSpringAiProperties.Price> prices = properties.prices();
    if (prices != null) {
      prices.forEach((model, price) -> builder.price(model, price.input(), price.output(),
          price.cachedInput() == null ? price.input() : price.cachedInput()));
    }
    List<String> skipModels = properties.skipModels();
    if (skipModels != null) {
      builder.skipModels(skipModels.toArray(String[]::new));
    }
    List<String> skipBeans = properties.skipBeans();
    if (skipBeans != null) {
      builder.skipBeans(skipBeans.toArray(String[]::new));
    }
    return builder.build();
  }
}
