package io.fluxtrace.spring.boot;

import io.fluxtrace.FluxTracerBuilder;

/**
 * Adjusts the auto-configured tracer's builder after the {@code fluxtrace.*} properties were applied, for settings
 * that are objects rather than properties (a clock, an export scheduler) or computed at startup. Every bean of this
 * type is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface FluxTracerCustomizer {

  /** Changes {@code builder} before the tracer is built. */
  void customize(FluxTracerBuilder builder);
}
