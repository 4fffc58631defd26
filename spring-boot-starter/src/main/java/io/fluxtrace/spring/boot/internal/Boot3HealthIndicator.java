package io.fluxtrace.spring.boot.internal;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/** {@link FluxtraceHealth} as a Spring Boot 3 health indicator ({@code org.springframework.boot.actuate.health}). */
public final class Boot3HealthIndicator implements HealthIndicator {

  private final FluxtraceHealth health;

  public Boot3HealthIndicator(FluxtraceHealth health) {
    this.health = health;
  }

  @Override
  public Health health() {
    FluxtraceHealth.Result result = health.check();
    return Health.status(result.status()).withDetails(result.details()).build();
  }
}
