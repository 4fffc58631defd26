package io.fluxtrace.springboot.app;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The tracer closed by Spring: no JVM hook of its own, a bean closed when the context is destroyed, which is after
 * the web server's graceful shutdown and after Reactor Netty's global resources were disposed (phase 0).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "chat.tracer", havingValue = "spring")
class SpringClosedTracerConfiguration {

  @Bean(destroyMethod = "close")
  FluxTracer tracer() {
    return FluxTracer.builder().shutdownHook(false).build();
  }

  @Bean
  ReactorTracing tracing(FluxTracer tracer) {
    return ReactorTracing.create(tracer);
  }
}
