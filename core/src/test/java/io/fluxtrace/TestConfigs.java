package io.fluxtrace;

import io.fluxtrace.internal.config.TracerConfig;
import java.util.Map;

/** Builds validated {@link TracerConfig}s for tests of internal components, without starting a tracer. */
public final class TestConfigs {

  private TestConfigs() {}

  /** A builder with test keys and no environment variables: every other setting at its default. */
  public static FluxTracerBuilder builder() {
    return FluxTracer.builder(Map.of()).publicKey("pk-lf-test").secretKey("sk-lf-test").shutdownHook(false);
  }

  /** The config {@code builder} would build a tracer with. */
  public static TracerConfig config(FluxTracerBuilder builder) {
    return builder.toConfig();
  }

  /** The default test config. */
  public static TracerConfig config() {
    return config(builder());
  }
}
