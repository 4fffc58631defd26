package io.fluxtrace.spring.boot.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.TailSampling;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.spring.boot.FluxTracerCustomizer;
import io.fluxtrace.spring.boot.FluxtraceProperties;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;
import reactor.util.Loggers;

/**
 * Builds the tracer from the {@code fluxtrace.*} properties, the {@code LANGFUSE_*} variables (read through Spring's
 * {@link Environment}) and the application's beans. The builder validates; its messages name builder settings, which
 * are translated here to the properties the user actually wrote.
 */
public final class TracerFactory {

  /** The variables {@link FluxTracerBuilder} reads; resolved through Spring so any property source may set them. */
  static final List<String> VARIABLES = List.of("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_BASE_URL",
      "LANGFUSE_HOST", "LANGFUSE_TRACING_ENVIRONMENT", "LANGFUSE_RELEASE", "LANGFUSE_SAMPLE_RATE",
      "LANGFUSE_TRACING_ENABLED", "LANGFUSE_FLUSH_AT", "LANGFUSE_FLUSH_INTERVAL", "LANGFUSE_TIMEOUT",
      "LANGFUSE_MEDIA_UPLOAD_ENABLED");

  private static final Pattern SETTING = Pattern.compile("\\b([a-z][A-Za-z]+)\\b");

  private TracerFactory() {}

  /** The {@code LANGFUSE_*} values visible in {@code environment}, blank ones left out. */
  public static Map<String, String> variables(Environment environment) {
    Map<String, String> values = new HashMap<>();
    for (String name : VARIABLES) {
      String value = environment.getProperty(name);
      if (value != null && !value.isBlank()) {
        values.put(name, value);
      }
    }
    return values;
  }

  /**
   * The tracer of the application.
   *
   * @throws IllegalArgumentException for a malformed setting, naming the property (or variable) it came from
   */
  public static FluxTracer create(FluxtraceProperties p, Map<String, String> variables,
      @Nullable String applicationName, @Nullable ContentMasker masker, @Nullable SpanExporter exporter,
      @Nullable ScoreExporter scoreExporter, @Nullable ObjectMapper objectMapper,
      List<FluxTracerCustomizer> customizers) {
    FluxTracerBuilder b = FluxTracer.builder(variables);
    Map<String, String> set = new LinkedHashMap<>();
    apply(set, "enabled", p.getEnabled(), b::enabled);
    apply(set, "publicKey", p.getPublicKey(), b::publicKey);
    apply(set, "secretKey", p.getSecretKey(), b::secretKey);
    apply(set, "baseUrl", p.getBaseUrl(), b::baseUrl);
    apply(set, "otlpEndpoint", p.getOtlpEndpoint(), b::otlpEndpoint);
    String serviceName = p.getServiceName() != null ? p.getServiceName() : blankToNull(applicationName);
    apply(set, "serviceName", serviceName, b::serviceName);
    apply(set, "environment", p.getEnvironment(), b::environment);
    apply(set, "release", p.getRelease(), b::release);
    apply(set, "sampleRate", p.getSampleRate(), b::sampleRate);
    apply(set, "flushAt", p.getFlushAt(), b::flushAt);
    apply(set, "flushInterval", p.getFlushInterval(), b::flushInterval);
    apply(set, "timeout", p.getTimeout(), b::timeout);
    apply(set, "maxQueuedSpans", p.getMaxQueuedSpans(), b::maxQueuedSpans);
    apply(set, "maxQueuedScores", p.getMaxQueuedScores(), b::maxQueuedScores);
    apply(set, "maxQueuedBytes", p.getMaxQueuedBytes(), b::maxQueuedBytes);
    apply(set, "maxBatchBytes", p.getMaxBatchBytes(), b::maxBatchBytes);
    apply(set, "maxValueBytes", p.getMaxValueBytes(), b::maxValueBytes);
    apply(set, "maxConcurrentExports", p.getMaxConcurrentExports(), b::maxConcurrentExports);
    apply(set, "maxExportAttempts", p.getMaxExportAttempts(), b::maxExportAttempts);
    apply(set, "initialBackoff", p.getInitialBackoff(), b::initialBackoff);
    apply(set, "maxBackoff", p.getMaxBackoff(), b::maxBackoff);
    apply(set, "retryTimedOutRequests", p.getRetryTimedOutRequests(), b::retryTimedOutRequests);
    apply(set, "gzip", p.getGzip(), b::gzip);
    apply(set, "otlpProtocol", p.getOtlpProtocol(), b::otlpProtocol);
    apply(set, "allowInsecureHttp", p.getAllowInsecureHttp(), b::allowInsecureHttp);
    apply(set, "shutdownTimeout", p.getShutdownTimeout(), b::shutdownTimeout);
    apply(set, "shutdownQuietPeriod", p.getShutdownQuietPeriod(), b::shutdownQuietPeriod);
    apply(set, "trustedCertificates", p.getTrustedCertificates(), b::trustedCertificates);
    apply(set, "trustStore", p.getTrustStore(), store -> b.trustStore(store, p.getTrustStorePassword()));
    apply(set, "proxy", p.getProxy(), b::proxy);
    if (Boolean.TRUE.equals(p.getNoProxy())) {
      set.put("noProxy", FluxtraceProperties.PREFIX + ".no-proxy");
      b.noProxy();
    }
    // Media upload: grouped under fluxtrace.media.*
    applyAs(set, "mediaUpload", "media.enabled", p.getMedia().getEnabled(), b::mediaUpload);
    applyAs(set, "maxQueuedMedia", "media.max-queued", p.getMedia().getMaxQueued(), b::maxQueuedMedia);
    applyAs(set, "maxQueuedMediaBytes", "media.max-queued-bytes", p.getMedia().getMaxQueuedBytes(),
        b::maxQueuedMediaBytes);
    b.shutdownHook(p.isShutdownHook());
    apply(set, "serviceVersion", p.getServiceVersion(), b::serviceVersion);
    apply(set, "genAiAttributes", p.getGenAiAttributes(), b::genAiAttributes);
    String projectId = p.getTraceUrl().getProjectId();
    if (projectId != null) {
      set.put("projectId", FluxtraceProperties.PREFIX + ".trace-url.project-id");
      b.projectId(projectId);
    }
    try {
      p.getHeaders().forEach(b::header);
      if (masker != null) {
        b.masker(masker);
      }
      if (exporter != null) {
        b.exporter(exporter);
      }
      if (scoreExporter != null) {
        b.scoreExporter(scoreExporter);
      }
      if (objectMapper != null) {
        b.objectMapper(objectMapper);
      }
      tailSampling(p.getSampling(), p.getTraceJoin(), set, b);
      for (FluxTracerCustomizer customizer : customizers) {
        customizer.customize(b);
      }
      if (missingKeys(p, variables, exporter)) {
        // One line that names what to set, instead of the builder's, which names only the variables.
        Loggers.getLogger(TracerFactory.class).warn("fluxtrace: tracing is off because no Langfuse keys are set: set fluxtrace.public-key and"
            + " fluxtrace.secret-key (or LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY), or fluxtrace.otlp-endpoint."
            + " The tracing beans exist and pass everything through.");
        b.enabled(false);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigurationException(propertyNames(String.valueOf(e.getMessage()), set), e);
    }
  }

  /** The {@code fluxtrace.sampling.*} properties, when tail sampling is on; a customizer may replace them. */
  private static void tailSampling(FluxtraceProperties.Sampling s, FluxtraceProperties.TraceJoin join,
      Map<String, String> set, FluxTracerBuilder b) {
    if (!s.isTail()) {
      return;
    }
    String prefix = FluxtraceProperties.PREFIX + ".sampling.";
    set.put("tailSampling", prefix + "tail");
    TailSampling.Builder t = TailSampling.builder();
    Map<String, String> names = new LinkedHashMap<>();
    apply(names, "keepErrors", s.getKeepErrors(), t::keepErrors);
    apply(names, "keepWarnings", s.getKeepWarnings(), t::keepWarnings);
    apply(names, "keepSlowerThan", s.getKeepSlowerThan(), t::keepSlowerThan);
    apply(names, "maxHeldSpansPerTrace", s.getMaxHeldSpansPerTrace(), t::maxHeldSpansPerTrace);
    apply(names, "maxHeldSpans", s.getMaxHeldSpans(), t::maxHeldSpans);
    apply(names, "maxHeldBytes", s.getMaxHeldBytes(), t::maxHeldBytes);
    apply(names, "decisionTimeout", s.getDecisionTimeout(), t::decisionTimeout);
    apply(names, "decideJoinedTraces", s.getDecideJoinedTraces(), t::decideJoinedTraces);
    if (s.getDecideJoinedTraces() == null && join.isEnabled() && !join.isHonourSampledFlag()) {
      // The joined span is the application's own and its flag fluxtrace's own rate: decide it here like a new trace.
      t.decideJoinedTraces(true);
    }
    apply(names, "keepScoresOfSampledOutTraces", s.getKeepScoresOfSampledOutTraces(),
        t::keepScoresOfSampledOutTraces);
    names.keySet().forEach(setting -> set.put(setting, prefix + kebab(setting)));
    b.tailSampling(t.build());
  }

  /** Whether the tracer would be on but has no Langfuse keys and nowhere else to send. */
  private static boolean missingKeys(FluxtraceProperties p, Map<String, String> variables,
      @Nullable SpanExporter exporter) {
    boolean enabled = p.getEnabled() != null ? p.getEnabled()
        : !List.of("false", "0", "no").contains(variables.getOrDefault("LANGFUSE_TRACING_ENABLED", "true")
            .trim().toLowerCase(Locale.ROOT));
    if (!enabled || exporter != null || p.getOtlpEndpoint() != null) {
      return false;
    }
    String pk = p.getPublicKey() != null ? blankToNull(p.getPublicKey()) : variables.get("LANGFUSE_PUBLIC_KEY");
    String sk = p.getSecretKey() != null ? blankToNull(p.getSecretKey()) : variables.get("LANGFUSE_SECRET_KEY");
    return pk == null || sk == null;
  }

  /**
   * The host traces go to, for health and info; never a path, query or credential. Resolved as the builder does;
   * null when it cannot be parsed (the builder then refused it already).
   */
  public static @Nullable String endpointHost(FluxtraceProperties p, Map<String, String> variables) {
    String url = p.getOtlpEndpoint();
    if (url == null) {
      url = p.getBaseUrl();
    }
    if (url == null) {
      url = variables.getOrDefault("LANGFUSE_BASE_URL",
          variables.getOrDefault("LANGFUSE_HOST", FluxTracerBuilder.DEFAULT_BASE_URL));
    }
    try {
      return URI.create(url.trim()).getHost();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The Langfuse base URL links point to; null for a non-Langfuse OTLP endpoint. */
  public static @Nullable String langfuseBaseUrl(FluxtraceProperties p, Map<String, String> variables) {
    if (p.getOtlpEndpoint() != null) {
      return null;
    }
    String url = p.getBaseUrl() != null ? p.getBaseUrl() : variables.getOrDefault("LANGFUSE_BASE_URL",
        variables.getOrDefault("LANGFUSE_HOST", FluxTracerBuilder.DEFAULT_BASE_URL));
    String trimmed = url.trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.endsWith(FluxTracerBuilder.LANGFUSE_OTLP_PATH)) {
      trimmed = trimmed.substring(0, trimmed.length() - FluxTracerBuilder.LANGFUSE_OTLP_PATH.length());
    }
    return trimmed;
  }

  /** {@code message} with every builder setting that came from a property replaced by the property's name. */
  static String propertyNames(String message, Map<String, String> set) {
    Matcher m = SETTING.matcher(message);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String property = set.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(property != null ? property : m.group(1)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static <T> void apply(Map<String, String> set, String setting, @Nullable T value, Consumer<T> setter) {
    if (value != null) {
      set.put(setting, FluxtraceProperties.PREFIX + '.' + kebab(setting));
      setter.accept(value);
    }
  }

  /** {@link #apply} for a setting whose property has another name below {@code fluxtrace.}. */
  private static <T> void applyAs(Map<String, String> set, String setting, String property, @Nullable T value,
      Consumer<T> setter) {
    if (value != null) {
      set.put(setting, FluxtraceProperties.PREFIX + '.' + property);
      setter.accept(value);
    }
  }

  static String kebab(String camel) {
    StringBuilder out = new StringBuilder();
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('-').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
