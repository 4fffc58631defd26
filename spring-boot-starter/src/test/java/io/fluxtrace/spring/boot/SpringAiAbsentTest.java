package io.fluxtrace.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.springai.autoconfigure.FluxtraceSpringAiAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * The starter brings {@code fluxtrace-spring-ai} (so a Spring AI app is traced with no other dependency) and
 * nothing of Spring AI: this module's test classpath, like an app without Spring AI, has none, and the app starts.
 */
class SpringAiAbsentTest {

  @Test
  void theStarterBringsTheSpringAiAutoConfigurationButNotSpringAi() {
    assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()).getCandidates())
        .contains(FluxtraceSpringAiAutoConfiguration.class.getName());
    assertThat(ClassUtils.isPresent("org.springframework.ai.chat.model.ChatModel", getClass().getClassLoader()))
        .as("Spring AI on the starter's classpath").isFalse();
  }

  /** An application as Spring Boot starts it: every auto-configuration of the classpath, read from the imports. */
  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}

  @Test
  void anAppWithoutSpringAiStartsAndTheSpringAiAutoConfigurationStaysAway() {
    new ApplicationContextRunner()
        .withUserConfiguration(App.class)
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(ReactorTracing.class);
          assertThat(context).doesNotHaveBean("fluxtraceSpringAiBeanPostProcessor")
              .doesNotHaveBean("fluxtraceChatClientCustomizer");
        });
  }
}
