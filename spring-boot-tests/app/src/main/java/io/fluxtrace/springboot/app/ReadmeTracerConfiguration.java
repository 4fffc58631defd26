package io.fluxtrace.springboot.app;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The README's set-up, verbatim: one tracer from the {@code LANGFUSE_*} environment variables with the default JVM
 * shutdown hook, and one {@code ReactorTracing}. Spring never closes the tracer (it is not a bean, and
 * {@code ReactorTracing} has no close method to infer): the tracer's own hook does, at the same time as Spring's
 * graceful shutdown.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "chat.tracer", havingValue = "readme")
class ReadmeTracerConfiguration {

  @Bean
  ReactorTracing tracing() {
    FluxTracer tracer = FluxTracer.builder().build(); // reads LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, LANGFUSE_BASE_URL
    return ReactorTracing.create(tracer);             // one per tracer, kept for the application's lifetime
  }
}
