package io.fluxtrace.spring.boot.internal;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@link FluxtraceHealth} as a Spring Boot 4 health indicator ({@code org.springframework.boot.health.contributor},
 * module spring-boot-health).
 */
public final class Boot4HealthIndicator implements HealthIndicator {

  private final FluxtraceHealth health;

  public Boot4HealthIndicator(FluxtraceHealth health) {
    this.health = health;
  }

  @Override
  public Health health() {
    FluxtraceHealth.Result result = health.check();
    return Health.status(result.status()).withDetails(result.details()).build();
  }
}
