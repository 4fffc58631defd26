package io.fluxtrace;

import io.fluxtrace.internal.TracerConfig;

/** Lets tests of internal packages see the configuration a builder validates, without building a tracer. */
public final class TestConfigs {

  private TestConfigs() {}

  /** What {@link FluxTracerBuilder#build()} would validate {@code builder} into. */
  public static TracerConfig of(FluxTracerBuilder builder) {
    return builder.toConfig();
  }
}
