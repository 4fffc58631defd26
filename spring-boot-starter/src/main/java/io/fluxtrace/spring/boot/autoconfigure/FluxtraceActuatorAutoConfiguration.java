package io.fluxtrace.spring.boot.autoconfigure;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.spring.boot.FluxtraceProperties;
import io.fluxtrace.spring.boot.internal.Boot3HealthIndicator;
import io.fluxtrace.spring.boot.internal.Boot4HealthIndicator;
import io.fluxtrace.spring.boot.internal.FluxtraceHealth;
import io.fluxtrace.spring.boot.internal.FluxtraceInfoContributor;
import io.fluxtrace.spring.boot.internal.SecretSanitizer;
import io.fluxtrace.spring.boot.internal.TracerFactory;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Actuator: the {@code fluxtrace} health indicator (UP / OUT_OF_SERVICE with the reason / UNKNOWN when off; see
 * {@link FluxtraceHealth}), the {@code fluxtrace} entry of {@code /actuator/info} (no secret), and masking of
 * fluxtrace's secrets in {@code /actuator/env}. Spring Boot 4 moved health indicators to
 * {@code org.springframework.boot.health.contributor}: one indicator class per line, each conditional on its line's
 * type by name.
 */
@AutoConfiguration(after = FluxtraceAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.info.InfoContributor")
public class FluxtraceActuatorAutoConfiguration {

  /** {@code /actuator/info}'s {@code fluxtrace} entry. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(prefix = "management.info.fluxtrace", name = "enabled", matchIfMissing = true)
  public FluxtraceInfoContributor fluxtraceInfoContributor(FluxTracer tracer, FluxtraceProperties properties,
      Environment environment) {
    Map<String, String> variables = TracerFactory.variables(environment);
    return new FluxtraceInfoContributor(tracer, TracerFactory.endpointHost(properties, variables),
        sampleRate(properties, variables));
  }

  /** Masks the secret key and export header values in the env and configprops endpoints. */
  @Bean
  @ConditionalOnMissingBean
  public SecretSanitizer fluxtraceSecretSanitizer() {
    return new SecretSanitizer();
  }

  private static double sampleRate(FluxtraceProperties properties, Map<String, String> variables) {
    if (properties.getSampleRate() != null) {
      return properties.getSampleRate();
    }
    try {
      return Double.parseDouble(variables.getOrDefault("LANGFUSE_SAMPLE_RATE", "1.0"));
    } catch (NumberFormatException e) {
      return 1.0; // the tracer refused it already
    }
  }

  static FluxtraceHealth health(FluxTracer tracer, FluxtraceProperties properties, Environment environment) {
    return new FluxtraceHealth(tracer, TracerFactory.endpointHost(properties, TracerFactory.variables(environment)));
  }

  /** Spring Boot 3: {@code org.springframework.boot.actuate.health}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  @ConditionalOnProperty(prefix = "management.health.fluxtrace", name = "enabled", matchIfMissing = true)
  static class Boot3Health {

    @Bean
    @ConditionalOnMissingBean(name = "fluxtraceHealthIndicator")
    Boot3HealthIndicator fluxtraceHealthIndicator(FluxTracer tracer, FluxtraceProperties properties,
        Environment environment) {
      return new Boot3HealthIndicator(health(tracer, properties, environment));
    }
  }

  /** Spring Boot 4: {@code org.springframework.boot.health.contributor} (module spring-boot-health). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  @ConditionalOnProperty(prefix = "management.health.fluxtrace", name = "enabled", matchIfMissing = true)
  static class Boot4Health {

    @Bean
    @ConditionalOnMissingBean(name = "fluxtraceHealthIndicator")
    Boot4HealthIndicator fluxtraceHealthIndicator(FluxTracer tracer, FluxtraceProperties properties,
        Environment environment) {
      return new Boot4HealthIndicator(health(tracer, properties, environment));
    }
  }
}
