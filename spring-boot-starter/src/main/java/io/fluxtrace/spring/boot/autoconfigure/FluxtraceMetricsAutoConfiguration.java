package io.fluxtrace.spring.boot.autoconfigure;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.spring.boot.internal.FluxtraceMeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The tracer's counters as Micrometer meters ({@code fluxtrace.spans.*}, {@code fluxtrace.export.*},
 * {@code fluxtrace.content.*}, {@code fluxtrace.scores.*}); Spring Boot binds the {@code MeterBinder} to every
 * registry it configures.
 */
@AutoConfiguration(after = FluxtraceAutoConfiguration.class)
@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
public class FluxtraceMetricsAutoConfiguration {

  /** The meters of the tracer. */
  @Bean
  @ConditionalOnMissingBean
  public FluxtraceMeterBinder fluxtraceMeterBinder(FluxTracer tracer) {
    return new FluxtraceMeterBinder(tracer);
  }
}
