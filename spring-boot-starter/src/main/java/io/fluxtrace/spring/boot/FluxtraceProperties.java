package io.fluxtrace.spring.boot;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code fluxtrace.*} settings of the Spring Boot starter: one property per setting of
 * {@link io.fluxtrace.FluxTracerBuilder}, plus the web filter, the join with the application's own trace and the
 * trace link in the logs. A setting left unset falls back to its {@code LANGFUSE_*} variable (read through Spring's
 * {@code Environment}, so it may come from the process environment or any property source), then to the builder's
 * default. Secrets are never logged or shown by {@code /actuator/info}; {@code /actuator/env} masks them.
 *
 * <p>Longer than our 600-line mark on purpose: Spring Boot binds and documents (configuration metadata, IDE
 * completion) a JavaBean getter and setter per property, and one class per group keeps the property tree readable
 * in one place; it holds no logic beyond that.
 */
@ConfigurationProperties(prefix = FluxtraceProperties.PREFIX)
public class FluxtraceProperties {

  /** The prefix of every property. */
  public static final String PREFIX = "fluxtrace";

  /** Whether tracing is on at all. Default: LANGFUSE_TRACING_ENABLED, else true (off anyway without keys). */
  private @Nullable Boolean enabled;

  /** The Langfuse public key (pk-lf-...). Default: LANGFUSE_PUBLIC_KEY. */
  private @Nullable String publicKey;

  /** The Langfuse secret key (sk-lf-...). Never logged. Default: LANGFUSE_SECRET_KEY. */
  private @Nullable String secretKey;

  /**
   * The Langfuse base URL, such as https://us.cloud.langfuse.com or a self-hosted server. Default:
   * LANGFUSE_BASE_URL, then LANGFUSE_HOST, then https://cloud.langfuse.com.
   */
  private @Nullable String baseUrl;

  /**
   * Sends to any OTLP/HTTP traces endpoint instead of Langfuse (such as http://localhost:4318/v1/traces); no keys
   * needed. Cannot be combined with base-url.
   */
  private @Nullable String otlpEndpoint;

  /** Request headers added to every export, such as the authentication of a non-Langfuse backend. Never logged. */
  private Map<String, String> headers = new LinkedHashMap<>();

  /** The service.name resource attribute. Default: spring.application.name, else unknown_service:java. */
  private @Nullable String serviceName;

  /** The default environment of every trace. Default: LANGFUSE_TRACING_ENVIRONMENT. */
  private @Nullable String environment;

  /** The default release of every trace. Default: LANGFUSE_RELEASE. */
  private @Nullable String release;

  /**
   * The share of traces recorded, from 0.0 to 1.0, decided per trace id so that a trace is kept or dropped whole.
   * Default: LANGFUSE_SAMPLE_RATE, else 1.0.
   */
  private @Nullable Double sampleRate;

  /** Spans per export request at most. Default: LANGFUSE_FLUSH_AT, else 512. */
  private @Nullable Integer flushAt;

  /** How long an ended span waits at most before it is exported. Default: LANGFUSE_FLUSH_INTERVAL, else 1s. */
  private @Nullable Duration flushInterval;

  /** Connect and response timeout of one export request. Default: LANGFUSE_TIMEOUT, else 10s. */
  private @Nullable Duration timeout;

  /** Spans the pipeline holds at most; past it new spans are dropped and counted. Default 65536. */
  private @Nullable Integer maxQueuedSpans;

  /** Scores the score pipeline holds at most; past it new scores are dropped and counted. Default 16384. */
  private @Nullable Integer maxQueuedScores;

  /** Estimated bytes the pipeline holds at most; past it new spans are dropped and counted. Default 64 MiB. */
  private @Nullable Long maxQueuedBytes;

  /** Estimated uncompressed bytes per export request at most. Default 4 MiB. */
  private @Nullable Long maxBatchBytes;

  /** Serialized bytes of one input, output or metadata value before it is truncated with a marker. Default 1 MiB. */
  private @Nullable Integer maxValueBytes;

  /** Export requests in flight at once. Default 2. */
  private @Nullable Integer maxConcurrentExports;

  /** Attempts per export request, the first included, for 429, 502, 503, 504 and connection failures. Default 5. */
  private @Nullable Integer maxExportAttempts;

  /** The first backoff between attempts, doubled each time up to max-backoff. Default 1s. */
  private @Nullable Duration initialBackoff;

  /** The longest backoff between attempts, also the cap on a server's Retry-After. Default 30s. */
  private @Nullable Duration maxBackoff;

  /**
   * Whether a request that was sent but timed out waiting for the answer is sent again (Langfuse v4 would keep a
   * duplicate of every re-sent span). Default false.
   */
  private @Nullable Boolean retryTimedOutRequests;

  /** Whether request bodies are gzip-compressed. Default true. */
  private @Nullable Boolean gzip;

  /**
   * The OTLP encoding of span requests, {@code http/protobuf} (the default, faster and smaller) or {@code http/json}
   * (readable in a debugging proxy); unset, the {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL} and
   * {@code OTEL_EXPORTER_OTLP_PROTOCOL} environment variables decide, then protobuf.
   */
  private @Nullable String otlpProtocol;

  /** Allows plain http:// to a host other than loopback (keys and content unencrypted). Default false. */
  private @Nullable Boolean allowInsecureHttp;

  /**
   * Whether the tracer registers its own JVM shutdown hook. Default false under Spring Boot: Spring's shutdown hook
   * closes the tracer in the right lifecycle phase, after the web server's graceful shutdown; a second hook running
   * at the same time would only race with it.
   */
  private boolean shutdownHook = false;

  /** How long closing the tracer waits for delivery at shutdown. Default 30s. */
  private @Nullable Duration shutdownTimeout;

  /**
   * How long shutdown waits, once no span is open and nothing is queued or in flight, for more work before it stops
   * accepting spans. Default 200ms.
   */
  private @Nullable Duration shutdownQuietPeriod;

  /** A PEM file of the certificates to trust for an https:// endpoint, instead of the JDK's trust. */
  private @Nullable Path trustedCertificates;

  /** A key store (PKCS12 or JKS) of the certificates to trust for an https:// endpoint, instead of the JDK's trust. */
  private @Nullable Path trustStore;

  /** The password of trust-store, if it has one. Never logged or shown by Actuator. */
  private @Nullable String trustStorePassword;

  /**
   * An HTTP proxy, http://[user:password@]host:port, for every export request (tunnelled with CONNECT). Default: the
   * JVM's proxy settings (https.proxyHost, http.proxyHost, http.nonProxyHosts).
   */
  private @Nullable URI proxy;

  /** Connect directly, ignoring the JVM's proxy settings. Default false. */
  private @Nullable Boolean noProxy;

  /** The WebFlux filter that sets each request's user, session and caller's trace. */
  // Langfuse fields (issue 17).

  /** The service.version resource attribute; Langfuse uses it as a trace's version when no span sets one. */
  private @Nullable String serviceVersion;

  /**
   * Whether spans also carry the OpenTelemetry GenAI attributes (gen_ai.*) for other OTLP backends; Langfuse reads
   * them only where its own attribute is missing. Default true.
   */
  private @Nullable Boolean genAiAttributes;

  private final Web web = new Web();

  /** Joining the application's own trace (Micrometer Tracing or OpenTelemetry) in process. */
  private final TraceJoin traceJoin = new TraceJoin();

  /** A link to each request's Langfuse trace in the logs. */
  private final TraceUrl traceUrl = new TraceUrl();

  /** Media (images, audio, PDFs) in span content, uploaded to Langfuse's media API. */
  private final Media media = new Media();

  /** Tail sampling: keep every failed and every slow trace whatever the sample rate. */
  private final Sampling sampling = new Sampling();

  public @Nullable Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(@Nullable Boolean enabled) {
    this.enabled = enabled;
  }

  public @Nullable String getPublicKey() {
    return publicKey;
  }

  public void setPublicKey(@Nullable String publicKey) {
    this.publicKey = publicKey;
  }

  public @Nullable String getSecretKey() {
    return secretKey;
  }

  public void setSecretKey(@Nullable String secretKey) {
    this.secretKey = secretKey;
  }

  public @Nullable String getBaseUrl() {
    return baseUrl;
  }

  public void setBaseUrl(@Nullable String baseUrl) {
    this.baseUrl = baseUrl;
  }

  public @Nullable String getOtlpEndpoint() {
    return otlpEndpoint;
  }

  public void setOtlpEndpoint(@Nullable String otlpEndpoint) {
    this.otlpEndpoint = otlpEndpoint;
  }

  public Map<String, String> getHeaders() {
    return headers;
  }

  public void setHeaders(Map<String, String> headers) {
    this.headers = headers;
  }

  public @Nullable String getServiceName() {
    return serviceName;
  }

  public void setServiceName(@Nullable String serviceName) {
    this.serviceName = serviceName;
  }

  public @Nullable String getEnvironment() {
    return environment;
  }

  public void setEnvironment(@Nullable String environment) {
    this.environment = environment;
  }

  public @Nullable String getRelease() {
    return release;
  }

  public void setRelease(@Nullable String release) {
    this.release = release;
  }

  public @Nullable Double getSampleRate() {
    return sampleRate;
  }

  public void setSampleRate(@Nullable Double sampleRate) {
    this.sampleRate = sampleRate;
  }

  public @Nullable Integer getFlushAt() {
    return flushAt;
  }

  public void setFlushAt(@Nullable Integer flushAt) {
    this.flushAt = flushAt;
  }

  public @Nullable Duration getFlushInterval() {
    return flushInterval;
  }

  public void setFlushInterval(@Nullable Duration flushInterval) {
    this.flushInterval = flushInterval;
  }

  public @Nullable Duration getTimeout() {
    return timeout;
  }

  public void setTimeout(@Nullable Duration timeout) {
    this.timeout = timeout;
  }

  public @Nullable Integer getMaxQueuedSpans() {
    return maxQueuedSpans;
  }

  public void setMaxQueuedSpans(@Nullable Integer maxQueuedSpans) {
    this.maxQueuedSpans = maxQueuedSpans;
  }

  public @Nullable Integer getMaxQueuedScores() {
    return maxQueuedScores;
  }

  public void setMaxQueuedScores(@Nullable Integer maxQueuedScores) {
    this.maxQueuedScores = maxQueuedScores;
  }

  public @Nullable Long getMaxQueuedBytes() {
    return maxQueuedBytes;
  }

  public void setMaxQueuedBytes(@Nullable Long maxQueuedBytes) {
    this.maxQueuedBytes = maxQueuedBytes;
  }

  public @Nullable Long getMaxBatchBytes() {
    return maxBatchBytes;
  }

  public void setMaxBatchBytes(@Nullable Long maxBatchBytes) {
    this.maxBatchBytes = maxBatchBytes;
  }

  public @Nullable Integer getMaxValueBytes() {
    return maxValueBytes;
  }

  public void setMaxValueBytes(@Nullable Integer maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
  }

  public @Nullable Integer getMaxConcurrentExports() {
    return maxConcurrentExports;
  }

  public void setMaxConcurrentExports(@Nullable Integer maxConcurrentExports) {
    this.maxConcurrentExports = maxConcurrentExports;
  }

  public @Nullable Integer getMaxExportAttempts() {
    return maxExportAttempts;
  }

  public void setMaxExportAttempts(@Nullable Integer maxExportAttempts) {
    this.maxExportAttempts = maxExportAttempts;
  }

  public @Nullable Duration getInitialBackoff() {
    return initialBackoff;
  }

  public void setInitialBackoff(@Nullable Duration initialBackoff) {
    this.initialBackoff = initialBackoff;
  }

  public @Nullable Duration getMaxBackoff() {
    return maxBackoff;
  }

  public void setMaxBackoff(@Nullable Duration maxBackoff) {
    this.maxBackoff = maxBackoff;
  }

  public @Nullable Boolean getRetryTimedOutRequests() {
    return retryTimedOutRequests;
  }

  public void setRetryTimedOutRequests(@Nullable Boolean retryTimedOutRequests) {
    this.retryTimedOutRequests = retryTimedOutRequests;
  }

  public @Nullable Boolean getGzip() {
    return gzip;
  }

  public void setGzip(@Nullable Boolean gzip) {
    this.gzip = gzip;
  }

  public @Nullable String getOtlpProtocol() {
    return otlpProtocol;
  }

  public void setOtlpProtocol(@Nullable String otlpProtocol) {
    this.otlpProtocol = otlpProtocol;
  }

  public @Nullable Duration getShutdownQuietPeriod() {
    return shutdownQuietPeriod;
  }

  public void setShutdownQuietPeriod(@Nullable Duration shutdownQuietPeriod) {
    this.shutdownQuietPeriod = shutdownQuietPeriod;
  }

  public @Nullable Path getTrustedCertificates() {
    return trustedCertificates;
  }

  public void setTrustedCertificates(@Nullable Path trustedCertificates) {
    this.trustedCertificates = trustedCertificates;
  }

  public @Nullable Path getTrustStore() {
    return trustStore;
  }

  public void setTrustStore(@Nullable Path trustStore) {
    this.trustStore = trustStore;
  }

  public @Nullable String getTrustStorePassword() {
    return trustStorePassword;
  }

  public void setTrustStorePassword(@Nullable String trustStorePassword) {
    this.trustStorePassword = trustStorePassword;
  }

  public @Nullable URI getProxy() {
    return proxy;
  }

  public void setProxy(@Nullable URI proxy) {
    this.proxy = proxy;
  }

  public @Nullable Boolean getNoProxy() {
    return noProxy;
  }

  public void setNoProxy(@Nullable Boolean noProxy) {
    this.noProxy = noProxy;
  }

  public @Nullable Boolean getAllowInsecureHttp() {
    return allowInsecureHttp;
  }

  public void setAllowInsecureHttp(@Nullable Boolean allowInsecureHttp) {
    this.allowInsecureHttp = allowInsecureHttp;
  }

  public boolean isShutdownHook() {
    return shutdownHook;
  }

  public void setShutdownHook(boolean shutdownHook) {
    this.shutdownHook = shutdownHook;
  }

  public @Nullable Duration getShutdownTimeout() {
    return shutdownTimeout;
  }

  public void setShutdownTimeout(@Nullable Duration shutdownTimeout) {
    this.shutdownTimeout = shutdownTimeout;
  }

  public Web getWeb() {
    return web;
  }

  public TraceJoin getTraceJoin() {
    return traceJoin;
  }

  public TraceUrl getTraceUrl() {
    return traceUrl;
  }

  public Media getMedia() {
    return media;
  }

  public Sampling getSampling() {
    return sampling;
  }

  public @Nullable String getServiceVersion() {
    return serviceVersion;
  }

  public void setServiceVersion(@Nullable String serviceVersion) {
    this.serviceVersion = serviceVersion;
  }

  public @Nullable Boolean getGenAiAttributes() {
    return genAiAttributes;
  }

  public void setGenAiAttributes(@Nullable Boolean genAiAttributes) {
    this.genAiAttributes = genAiAttributes;
  }

  @Override
  public String toString() {
    // Spring may print a properties object in a binding failure: no key, no header value.
    return "FluxtraceProperties{enabled=" + enabled + ", baseUrl=" + baseUrl + ", otlpEndpoint=" + otlpEndpoint
        + ", publicKey=" + (publicKey == null ? "unset" : "set") + ", secretKey=" + (secretKey == null ? "unset"
        : "set") + ", headers=" + headers.keySet() + "}";
  }

  /** The auto-configured WebFlux {@code WebFilter}. */
  public static class Web {

    /** Whether the auto-configured WebFlux filter sets each request's trace attributes. */
    private boolean enabled = true;

    /** The request header holding the end user's id (langfuse.user.id); a missing header sets nothing. */
    private String userIdHeader = "x-user-id";

    /** The request header holding the session or conversation id (langfuse.session.id). */
    private String sessionIdHeader = "x-session-id";

    /**
     * The request header holding the caller's W3C trace context, joined when the application has no trace of its
     * own for the request (Micrometer Tracing already reads it for its server span).
     */
    private String traceparentHeader = "traceparent";

    /**
     * Whether the authenticated principal's name (Spring Security or any ServerWebExchange principal) becomes the
     * user id when the user id header is absent.
     */
    private boolean userIdFromPrincipal = false;

    /** The order of the filter; after Spring Security's filter chain (-100) so that the principal is known. */
    private int order = 0;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getUserIdHeader() {
      return userIdHeader;
    }

    public void setUserIdHeader(String userIdHeader) {
      this.userIdHeader = userIdHeader;
    }

    public String getSessionIdHeader() {
      return sessionIdHeader;
    }

    public void setSessionIdHeader(String sessionIdHeader) {
      this.sessionIdHeader = sessionIdHeader;
    }

    public String getTraceparentHeader() {
      return traceparentHeader;
    }

    public void setTraceparentHeader(String traceparentHeader) {
      this.traceparentHeader = traceparentHeader;
    }

    public boolean isUserIdFromPrincipal() {
      return userIdFromPrincipal;
    }

    public void setUserIdFromPrincipal(boolean userIdFromPrincipal) {
      this.userIdFromPrincipal = userIdFromPrincipal;
    }

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }
  }

  /** Joining the application's own trace. */
  public static class TraceJoin {

    /**
     * Whether the root span of a request becomes a child of the application's current span (Micrometer Tracing's
     * server span, or an OpenTelemetry span in the Reactor Context), so the Langfuse trace id is the log's trace id.
     */
    private boolean enabled = true;

    /**
     * Whether the joined span's sampled flag decides if fluxtrace records the trace. Default false: fluxtrace
     * decides with its own sample-rate from the joined trace id, because Micrometer Tracing samples 10% by default.
     */
    private boolean honourSampledFlag = false;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public boolean isHonourSampledFlag() {
      return honourSampledFlag;
    }

    public void setHonourSampledFlag(boolean honourSampledFlag) {
      this.honourSampledFlag = honourSampledFlag;
    }
  }

  /** The Langfuse trace link in the logs. */
  public static class TraceUrl {

    /**
     * Whether each request whose trace id is known to the filter (joined, or from traceparent) logs one INFO line
     * with the link to its Langfuse trace, through the logger io.fluxtrace.spring.boot.TraceUrl.
     */
    private boolean log = false;

    /**
     * The Langfuse project id for direct links (base-url/project/ID/traces/TRACE); without it links are
     * base-url/trace/TRACE, which Langfuse redirects to the trace's project. Also the tracer's projectId, for
     * FluxTracer.traceUrl and TraceContext.currentTraceUrl.
     */
    private @Nullable String projectId;

    public boolean isLog() {
      return log;
    }

    public void setLog(boolean log) {
      this.log = log;
    }

    public @Nullable String getProjectId() {
      return projectId;
    }

    public void setProjectId(@Nullable String projectId) {
      this.projectId = projectId;
    }
  }

  /** Media upload to Langfuse (see docs/media.md). */
  public static class Media {

    /**
     * Whether media in span input, output and metadata (io.fluxtrace.Media, byte arrays, data:...;base64, strings)
     * is uploaded to Langfuse's media API and replaced by its reference; only with Langfuse keys. Default:
     * LANGFUSE_MEDIA_UPLOAD_ENABLED, else true.
     */
    private @Nullable Boolean enabled;

    /** Pieces of media waiting for or in upload at most; past it media is replaced by a placeholder. Default 256. */
    private @Nullable Integer maxQueued;

    /**
     * Bytes of media waiting for or in upload at most, taken from max-queued-bytes, at most half of it. Default: a
     * quarter of max-queued-bytes.
     */
    private @Nullable Long maxQueuedBytes;

    public @Nullable Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(@Nullable Boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable Integer getMaxQueued() {
      return maxQueued;
    }

    public void setMaxQueued(@Nullable Integer maxQueued) {
      this.maxQueued = maxQueued;
    }

    public @Nullable Long getMaxQueuedBytes() {
      return maxQueuedBytes;
    }

    public void setMaxQueuedBytes(@Nullable Long maxQueuedBytes) {
      this.maxQueuedBytes = maxQueuedBytes;
    }
  }

  /**
   * Tail sampling ({@link io.fluxtrace.TailSampling}): the spans of a trace the sample rate would drop are held until
   * its local root ends, then the trace is kept whole if it failed or was slow, else sampled out. A rule over the
   * ended root ({@code keepWhen}) is set with a {@link FluxTracerCustomizer}.
   */
  public static class Sampling {

    /** Whether tail sampling is on. Default false: the sample rate decides when a trace starts. */
    private boolean tail = false;

    /** Keep every trace with a span of level ERROR. Default true. */
    private @Nullable Boolean keepErrors;

    /** Keep every trace with a span of level WARNING, cancellations included. Default false. */
    private @Nullable Boolean keepWarnings;

    /** Keep every trace whose local root lasted longer than this. Default: none. */
    private @Nullable Duration keepSlowerThan;

    /** Spans held per trace at most; a trace that reaches it is decided then. Default 1000. */
    private @Nullable Integer maxHeldSpansPerTrace;

    /** Spans held in total at most, out of max-queued-spans. Default: a quarter of max-queued-spans. */
    private @Nullable Integer maxHeldSpans;

    /** Estimated bytes held in total at most, out of max-queued-bytes. Default: a quarter of max-queued-bytes. */
    private @Nullable Long maxHeldBytes;

    /** How long a trace is held at most before it is decided with what is known. Default 60s. */
    private @Nullable Duration decisionTimeout;

    /**
     * Whether a trace joined from a traceparent with sampled=0 is held and decided here (kept if it fails here).
     * Default: true when trace-join is on and does not honour the joined span's sampled flag (the flag is then
     * fluxtrace's own rate, so the joined trace is decided like one of the application's own), else false (it
     * follows the caller's flag).
     */
    private @Nullable Boolean decideJoinedTraces;

    /** Whether scores of sampled-out traces are still delivered. Default false: dropped and counted. */
    private @Nullable Boolean keepScoresOfSampledOutTraces;

    public boolean isTail() {
      return tail;
    }

    public void setTail(boolean tail) {
      this.tail = tail;
    }

    public @Nullable Boolean getKeepErrors() {
      return keepErrors;
    }

    public void setKeepErrors(@Nullable Boolean keepErrors) {
      this.keepErrors = keepErrors;
    }

    public @Nullable Boolean getKeepWarnings() {
      return keepWarnings;
    }

    public void setKeepWarnings(@Nullable Boolean keepWarnings) {
      this.keepWarnings = keepWarnings;
    }

    public @Nullable Duration getKeepSlowerThan() {
      return keepSlowerThan;
    }

    public void setKeepSlowerThan(@Nullable Duration keepSlowerThan) {
      this.keepSlowerThan = keepSlowerThan;
    }

    public @Nullable Integer getMaxHeldSpansPerTrace() {
      return maxHeldSpansPerTrace;
    }

    public void setMaxHeldSpansPerTrace(@Nullable Integer maxHeldSpansPerTrace) {
      this.maxHeldSpansPerTrace = maxHeldSpansPerTrace;
    }

    public @Nullable Integer getMaxHeldSpans() {
      return maxHeldSpans;
    }

    public void setMaxHeldSpans(@Nullable Integer maxHeldSpans) {
      this.maxHeldSpans = maxHeldSpans;
    }

    public @Nullable Long getMaxHeldBytes() {
      return maxHeldBytes;
    }

    public void setMaxHeldBytes(@Nullable Long maxHeldBytes) {
      this.maxHeldBytes = maxHeldBytes;
    }

    public @Nullable Duration getDecisionTimeout() {
      return decisionTimeout;
    }

    public void setDecisionTimeout(@Nullable Duration decisionTimeout) {
      this.decisionTimeout = decisionTimeout;
    }

    public @Nullable Boolean getDecideJoinedTraces() {
      return decideJoinedTraces;
    }

    public void setDecideJoinedTraces(@Nullable Boolean decideJoinedTraces) {
      this.decideJoinedTraces = decideJoinedTraces;
    }

    public @Nullable Boolean getKeepScoresOfSampledOutTraces() {
      return keepScoresOfSampledOutTraces;
    }

    public void setKeepScoresOfSampledOutTraces(@Nullable Boolean keepScoresOfSampledOutTraces) {
      this.keepScoresOfSampledOutTraces = keepScoresOfSampledOutTraces;
    }
  }
}
