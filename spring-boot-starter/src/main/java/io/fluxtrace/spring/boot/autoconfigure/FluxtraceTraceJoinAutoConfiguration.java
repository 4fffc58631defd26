package io.fluxtrace.spring.boot.autoconfigure;

import io.fluxtrace.spring.boot.internal.MicrometerTraceJoin;
import io.fluxtrace.spring.boot.internal.OpenTelemetryTraceJoin;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/**
 * Joins the application's own trace ({@code fluxtrace.trace-join.*}): Micrometer Tracing's current span first, then
 * an OpenTelemetry span, each only when its classes are present. Both read the request's Reactor Context, never
 * thread state, and install nothing global.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "fluxtrace.trace-join", name = "enabled", matchIfMissing = true)
public class FluxtraceTraceJoinAutoConfiguration {

  /** Micrometer Tracing (OpenTelemetry or Brave bridge). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"io.micrometer.tracing.handler.TracingObservationHandler",
      "io.micrometer.observation.Observation"})
  static class Micrometer {

    @Bean
    @Order(0)
    @ConditionalOnMissingBean
    MicrometerTraceJoin micrometerTraceJoin() {
      return new MicrometerTraceJoin();
    }
  }

  /** The OpenTelemetry API. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"io.opentelemetry.context.Context", "io.opentelemetry.api.trace.Span"})
  static class OpenTelemetry {

    @Bean
    @Order(100)
    @ConditionalOnMissingBean
    OpenTelemetryTraceJoin openTelemetryTraceJoin() {
      return new OpenTelemetryTraceJoin();
    }
  }
}
