package io.fluxtrace.examples.backend;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Where an example's traces go. With {@code LANGFUSE_PUBLIC_KEY} and {@code LANGFUSE_SECRET_KEY} set, to Langfuse
 * ({@code LANGFUSE_BASE_URL}, Langfuse Cloud EU by default); otherwise over OTLP/HTTP to a
 * {@link LocalOtlpReceiver} in this process, so that a newcomer sees real traces without an account. The other
 * {@code LANGFUSE_*} variables (environment, release, sample rate, ...) apply either way.
 */
public final class Backend implements AutoCloseable {

  private final FluxTracer tracer;
  private final @Nullable LocalOtlpReceiver receiver;
  private final String description;
  private final @Nullable String langfuseBaseUrl;

  private Backend(FluxTracer tracer, @Nullable LocalOtlpReceiver receiver, String description,
      @Nullable String langfuseBaseUrl) {
    this.tracer = tracer;
    this.receiver = receiver;
    this.description = description;
    this.langfuseBaseUrl = langfuseBaseUrl;
  }

  /**
   * Langfuse if {@code env} has both keys, otherwise a local receiver that hands what it receives to
   * {@code localSpans}.
   *
   * @throws IllegalArgumentException when a {@code LANGFUSE_*} variable is malformed
   */
  public static Backend fromEnvironment(Map<String, String> env, String serviceName,
      Consumer<List<ReceivedSpan>> localSpans) {
    if (hasLangfuseKeys(env)) {
      String baseUrl = langfuseBaseUrl(env);
      FluxTracer tracer = FluxTracer.builder(env).serviceName(serviceName).build();
      return new Backend(tracer, null, "Langfuse at " + baseUrl, baseUrl);
    }
    LocalOtlpReceiver receiver = LocalOtlpReceiver.start(localSpans);
    try {
      FluxTracer tracer = FluxTracer.builder(env)
          .otlpEndpoint(receiver.tracesUrl())
          .serviceName(serviceName)
          .build();
      return new Backend(tracer, receiver, "the OTLP/HTTP receiver at " + receiver.tracesUrl()
          + " (in this process)", null);
    } catch (RuntimeException e) {
      receiver.close();
      throw e;
    }
  }

  /** Whether both Langfuse keys are set (and not blank) in {@code env}. */
  public static boolean hasLangfuseKeys(Map<String, String> env) {
    return !isBlank(env.get("LANGFUSE_PUBLIC_KEY")) && !isBlank(env.get("LANGFUSE_SECRET_KEY"));
  }

  /** {@code LANGFUSE_BASE_URL}, else {@code LANGFUSE_HOST}, else Langfuse Cloud, without a trailing slash. */
  static String langfuseBaseUrl(Map<String, String> env) {
    String url = env.get("LANGFUSE_BASE_URL");
    if (isBlank(url)) {
      url = env.get("LANGFUSE_HOST");
    }
    if (isBlank(url)) {
      url = FluxTracerBuilder.DEFAULT_BASE_URL;
    }
    String trimmed = Objects.requireNonNull(url).trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.endsWith(FluxTracerBuilder.LANGFUSE_OTLP_PATH)) {
      trimmed = trimmed.substring(0, trimmed.length() - FluxTracerBuilder.LANGFUSE_OTLP_PATH.length());
    }
    return trimmed;
  }

  private static boolean isBlank(@Nullable String value) {
    return value == null || value.isBlank();
  }

  /** The tracer; one for the application's lifetime. */
  public FluxTracer tracer() {
    return tracer;
  }

  /** Whether traces go to the receiver in this process. */
  public boolean isLocal() {
    return receiver != null;
  }

  /** The Langfuse base URL, or null when traces stay in this process. */
  public @Nullable String langfuseBaseUrl() {
    return langfuseBaseUrl;
  }

  /** Where traces go, for people: "Langfuse at ..." or "the OTLP/HTTP receiver at ...". */
  public String description() {
    return description;
  }

  /** Closes the tracer, which delivers what is left, then the receiver. Blocking: not on a Reactor thread. */
  @Override
  public void close() {
    try {
      tracer.close();
    } finally {
      if (receiver != null) {
        receiver.close();
      }
    }
  }

  @Override
  public String toString() {
    return "Backend{" + description + '}';
  }
}
