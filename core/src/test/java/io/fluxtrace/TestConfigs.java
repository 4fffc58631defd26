package io.fluxtrace;

import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.transport.HttpTransport;
import io.fluxtrace.internal.transport.OtlpHttpSender;
import io.fluxtrace.internal.transport.RetryPolicy;
import java.util.Map;
import reactor.core.scheduler.Scheduler;

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

  /** The span sender {@code config} asks for, on a transport of its own, with {@code retry} instead. */
  public static OtlpHttpSender sender(TracerConfig config, RetryPolicy retry, TracerMetrics metrics, Scheduler timer) {
    return new OtlpHttpSender(config.endpoint(), config.wire(), config.clock(), retry, metrics, timer,
        HttpTransport.create(config.endpoint(), config.transport(), config.batching().maxConcurrentExports(), 0));
  }
}
