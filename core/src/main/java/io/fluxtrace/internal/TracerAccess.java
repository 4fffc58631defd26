package io.fluxtrace.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.internal.config.TracerConfig;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Gives fluxtrace's own modules a tracer's resolved configuration without a public accessor on {@link FluxTracer}
 * (the experiment runner reads Langfuse datasets with the tracer's endpoint and keys). {@link FluxTracer} installs
 * the accessor when its class initializes, so it is there for every tracer that exists. Never log the
 * configuration whole: it holds the keys.
 */
public final class TracerAccess {

  private static volatile @Nullable Function<FluxTracer, TracerConfig> accessor;

  private TracerAccess() {}

  /** Called once, by {@link FluxTracer}'s class initializer; later calls are ignored. */
  public static synchronized void install(Function<FluxTracer, TracerConfig> configOf) {
    if (accessor == null) {
      accessor = configOf;
    }
  }

  /** The resolved configuration of {@code tracer}. */
  public static TracerConfig config(FluxTracer tracer) {
    Function<FluxTracer, TracerConfig> configOf = accessor;
    if (configOf == null) {
      throw new IllegalStateException("FluxTracer is not initialized");
    }
    return configOf.apply(tracer);
  }
}
