package io.fluxtrace.spring.boot.autoconfigure;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.spring.boot.FluxTracerCustomizer;
import io.fluxtrace.spring.boot.FluxtraceProperties;
import io.fluxtrace.spring.boot.internal.FluxtraceLifecycle;
import io.fluxtrace.spring.boot.internal.TracerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The tracer and the traced operators, from the {@code fluxtrace.*} properties (falling back to the
 * {@code LANGFUSE_*} variables), and the lifecycle bean that closes the tracer when Spring stops the application.
 * Without keys, tracing is off with one warning and both beans still exist: operators pass everything through.
 *
 * <p>An application overrides any piece with its own bean: a {@link FluxTracer} (then none is built here), a
 * {@link ReactorTracing}, a {@link ContentMasker}, a {@link SpanExporter} or {@link ScoreExporter}, an
 * {@link ObjectMapper} named {@value #OBJECT_MAPPER} (the application's own JSON mapper is not used for traced
 * content unless it is given this name), or {@link FluxTracerCustomizer}s for anything else.
 */
@AutoConfiguration
@EnableConfigurationProperties(FluxtraceProperties.class)
public class FluxtraceAutoConfiguration {

  /** The bean name of an {@link ObjectMapper} for traced content. */
  public static final String OBJECT_MAPPER = "fluxtraceObjectMapper";

  /** The application's tracer; closed by {@link #fluxtraceLifecycle}, and by Spring's destroy phase as a backstop. */
  @Bean
  @ConditionalOnMissingBean
  public FluxTracer fluxTracer(FluxtraceProperties properties, Environment environment,
      ObjectProvider<ContentMasker> masker, ObjectProvider<SpanExporter> exporter,
      ObjectProvider<ScoreExporter> scoreExporter, @Qualifier(OBJECT_MAPPER) ObjectProvider<ObjectMapper> objectMapper,
      ObjectProvider<FluxTracerCustomizer> customizers) {
    return TracerFactory.create(properties, TracerFactory.variables(environment),
        environment.getProperty("spring.application.name"), masker.getIfUnique(), exporter.getIfUnique(),
        scoreExporter.getIfUnique(), objectMapper.getIfAvailable(), customizers.orderedStream().toList());
  }

  /** The traced operators, bound to the tracer. */
  @Bean
  @ConditionalOnMissingBean
  public ReactorTracing reactorTracing(FluxTracer tracer) {
    return ReactorTracing.create(tracer);
  }

  /** Closes the tracer after the web server's graceful shutdown and before Reactor Netty's resources go. */
  @Bean
  @ConditionalOnMissingBean
  public FluxtraceLifecycle fluxtraceLifecycle(FluxTracer tracer) {
    return new FluxtraceLifecycle(tracer);
  }
}
