package io.fluxtrace.springai;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.springai.autoconfigure.FluxtraceSpringAiAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** When the auto-configuration instruments Spring AI, and when it stays away. */
class AutoConfigurationTest {

  /** A chat model bean that is never called: only its instrumentation is looked at. */
  static class IdleChatModel implements ChatModel {
    @Override
    public ChatResponse call(Prompt prompt) {
      throw new UnsupportedOperationException("not called");
    }
  }

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(FluxtraceSpringAiAutoConfiguration.class))
      .withBean("chatModel", ChatModel.class, IdleChatModel::new);

  @Test
  void instrumentsChatModelsWhenAReactorTracingBeanExists() {
    runner.withBean(ReactorTracing.class, () -> ReactorTracing.create(FluxTracer.disabled()))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(AopUtils.isAopProxy(context.getBean(ChatModel.class))).isTrue();
          assertThat(context.getBean(ChatModel.class)).isInstanceOf(IdleChatModel.class);
        });
  }

  @Test
  void staysAwayWithoutAReactorTracingBean() {
    runner.run(context -> assertThat(AopUtils.isAopProxy(context.getBean(ChatModel.class))).isFalse());
  }

  @Test
  void staysAwayWhenDisabled() {
    runner.withBean(ReactorTracing.class, () -> ReactorTracing.create(FluxTracer.disabled()))
        .withPropertyValues("fluxtrace.spring-ai.enabled=false")
        .run(context -> assertThat(AopUtils.isAopProxy(context.getBean(ChatModel.class))).isFalse());
  }

  @Test
  void leavesSkippedBeansAlone() {
    runner.withBean(ReactorTracing.class, () -> ReactorTracing.create(FluxTracer.disabled()))
        .withPropertyValues("fluxtrace.spring-ai.skip-beans=chatModel")
        .run(context -> assertThat(AopUtils.isAopProxy(context.getBean(ChatModel.class))).isFalse());
  }

  @Test
  void staysAwayWithoutSpringAi() {
    runner.withClassLoader(new FilteredClassLoader("org.springframework.ai"))
        .withBean(ReactorTracing.class, () -> ReactorTracing.create(FluxTracer.disabled()))
        .run(context -> assertThat(context).doesNotHaveBean("fluxtraceSpringAiBeanPostProcessor"));
  }

  @Test
  void aPriceTableIsBoundAndValidatedAtFirstUse() {
    runner.withBean(ReactorTracing.class, () -> ReactorTracing.create(FluxTracer.disabled()))
        .withPropertyValues("fluxtrace.spring-ai.prices.gpt-4o-mini.input=0.15",
            "fluxtrace.spring-ai.prices.gpt-4o-mini.output=0.6", "fluxtrace.spring-ai.capture-content=false")
        .run(context -> assertThat(context).hasNotFailed());
  }
}
