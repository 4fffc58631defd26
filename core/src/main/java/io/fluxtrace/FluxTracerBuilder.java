package io.fluxtrace;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.BatchSettings;
import io.fluxtrace.internal.config.ContentSettings;
import io.fluxtrace.internal.config.EndpointSettings;
import io.fluxtrace.internal.config.EndpointValidation;
import io.fluxtrace.internal.config.EnvironmentDefaults;
import io.fluxtrace.internal.config.FieldSettings;
import io.fluxtrace.internal.config.LifecycleSettings;
import io.fluxtrace.internal.config.MediaSettings;
import io.fluxtrace.internal.config.RetrySettings;
import io.fluxtrace.internal.config.SamplingSettings;
import io.fluxtrace.internal.config.TraceSettings;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.config.TransportSettings;
import io.fluxtrace.internal.config.WireSettings;
import io.fluxtrace.internal.content.DefaultObjectMapper;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Configures and builds a {@link FluxTracer}. Obtain one with {@link FluxTracer#builder()}, whose defaults come
 * from the Langfuse environment variables; every setter overrides the variable. Values are validated in
 * {@link #build()}, which names the setting (and the variable it came from) and what it expected.
 *
 * <table>
 *   <caption>Settings, their environment variables and defaults</caption>
 *   <tr><th>setting</th><th>variable</th><th>default</th></tr>
 *   <tr><td>{@link #publicKey}</td><td>{@code LANGFUSE_PUBLIC_KEY}</td><td>none: tracing is disabled with one
 *       warning unless an OTLP endpoint or an exporter is set</td></tr>
 *   <tr><td>{@link #secretKey}</td><td>{@code LANGFUSE_SECRET_KEY}</td><td>none</td></tr>
 *   <tr><td>{@link #baseUrl}</td><td>{@code LANGFUSE_BASE_URL}, then {@code LANGFUSE_HOST}</td>
 *       <td>{@value #DEFAULT_BASE_URL}</td></tr>
 *   <tr><td>{@link #environment}</td><td>{@code LANGFUSE_TRACING_ENVIRONMENT}</td><td>none (Langfuse shows
 *       {@code default})</td></tr>
 *   <tr><td>{@link #release}</td><td>{@code LANGFUSE_RELEASE}</td><td>none</td></tr>
 *   <tr><td>{@link #sampleRate}</td><td>{@code LANGFUSE_SAMPLE_RATE}</td><td>1.0</td></tr>
 *   <tr><td>{@link #enabled}</td><td>{@code LANGFUSE_TRACING_ENABLED}</td><td>true</td></tr>
 *   <tr><td>{@link #flushAt}</td><td>{@code LANGFUSE_FLUSH_AT}</td><td>{@value #DEFAULT_FLUSH_AT} spans</td></tr>
 *   <tr><td>{@link #flushInterval}</td><td>{@code LANGFUSE_FLUSH_INTERVAL} (seconds)</td><td>1 s</td></tr>
 *   <tr><td>{@link #timeout}</td><td>{@code LANGFUSE_TIMEOUT} (seconds)</td><td>10 s</td></tr>
 *   <tr><td>{@link #mediaUpload}</td><td>{@code LANGFUSE_MEDIA_UPLOAD_ENABLED}</td><td>true</td></tr>
 * </table>
 *
 * <p>Environment values are trimmed; a blank one counts as unset. A malformed value makes {@link #build()}
 * throw an {@link IllegalArgumentException} that names the variable and what it expected. Missing Langfuse keys
 * only disable tracing, with one warning. A plain {@code http://} URL is refused unless its host is a loopback
 * address ({@code localhost}, {@code 127.x.x.x}, {@code ::1}) or {@link #allowInsecureHttp} is set. Keys and
 * header values never appear in logs, exceptions or {@code toString()}.
 *
 * <p>Not thread-safe; build once at startup.
 */
public final class FluxTracerBuilder {

  /** Langfuse Cloud (EU). */
  public static final String DEFAULT_BASE_URL = EndpointValidation.DEFAULT_BASE_URL;
  /** The OTLP/HTTP traces path below a Langfuse base URL. */
  public static final String LANGFUSE_OTLP_PATH = EndpointValidation.LANGFUSE_OTLP_PATH;
  /** Spans per export request, as Langfuse's own SDKs default to. */
  public static final int DEFAULT_FLUSH_AT = 512;
  /** Spans the pipeline holds at most (queued, batched and in flight). */
  public static final int DEFAULT_MAX_QUEUED_SPANS = 65_536;
  /** Scores the score pipeline holds at most (queued, batched and in flight). */
  public static final int DEFAULT_MAX_QUEUED_SCORES = 16_384;
  /** Estimated bytes the pipeline holds at most: 64 MiB. */
  public static final long DEFAULT_MAX_QUEUED_BYTES = 64L * 1024 * 1024;
  /** Estimated uncompressed bytes per export request at most: 4 MiB, under Langfuse Cloud's 5 MB limit. */
  public static final long DEFAULT_MAX_BATCH_BYTES = 4L * 1024 * 1024;
  /** Serialized bytes per input, output or metadata value before it is truncated: 1 MiB. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
  /** Export requests in flight at once. */
  public static final int DEFAULT_MAX_CONCURRENT_EXPORTS = 2;
  /** Attempts per export request, the first one included. */
  public static final int DEFAULT_MAX_EXPORT_ATTEMPTS = 5;
  /**
   * How long shutdown may take at most: 30 s, Spring Boot's default for its graceful shutdown phase
   * ({@code spring.lifecycle.timeout-per-shutdown-phase}) and Kubernetes' default termination grace period, so
   * that the spans of requests a host finishes during its graceful shutdown are still accepted and delivered.
   * Only a shutdown that has something to wait for (a span still open, a backend that does not answer) takes long.
   */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  /**
   * How long shutdown waits, once no span is open and nothing is queued or in flight, for more work before it
   * stops accepting: 200 ms. Longer than the hand-off between two traced steps of one request on a loaded
   * machine (a task queued behind others on a scheduler, a young-generation GC pause), short enough that a
   * program with nothing left to do does not notice it at exit.
   */
  public static final Duration DEFAULT_SHUTDOWN_QUIET_PERIOD = Duration.ofMillis(200);

  private final Map<String, String> env;

  private @Nullable String publicKey;
  private @Nullable String secretKey;
  private @Nullable String baseUrl;
  private @Nullable String otlpEndpoint;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private @Nullable SpanExporter exporter;
  private String serviceName = "unknown_service:java";
  private @Nullable String environment;
  private @Nullable String release;
  private @Nullable Double sampleRate;
  private @Nullable Boolean enabled;
  private @Nullable Integer flushAt;
  private @Nullable Duration flushInterval;
  private @Nullable Duration timeout;
  private int maxQueuedSpans = DEFAULT_MAX_QUEUED_SPANS;
  private @Nullable ScoreExporter scoreExporter;
  private int maxQueuedScores = DEFAULT_MAX_QUEUED_SCORES;
  private long maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
  private long maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
  private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
  private int maxConcurrentExports = DEFAULT_MAX_CONCURRENT_EXPORTS;
  private @Nullable String otlpProtocol;
  private int maxExportAttempts = DEFAULT_MAX_EXPORT_ATTEMPTS;
  private Duration initialBackoff = Duration.ofSeconds(1);
  private Duration maxBackoff = Duration.ofSeconds(30);
  private boolean retryTimedOutRequests;
  private boolean gzip = true;
  private boolean allowInsecureHttp;
  private @Nullable ObjectMapper objectMapper;
  private ContentMasker masker = ContentMasker.none();
  private TraceClock clock = TraceClock.system();
  private boolean shutdownHook = true;
  private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
  private Duration shutdownQuietPeriod = DEFAULT_SHUTDOWN_QUIET_PERIOD;
  private @Nullable Scheduler exportScheduler;
  private @Nullable Path trustedCertificates;
  private @Nullable Path trustStore;
  private @Nullable String trustStorePassword;
  private @Nullable URI proxy;
  private boolean systemProxy = true;
  private @Nullable Boolean mediaUpload;
  private int maxQueuedMedia = MediaSettings.DEFAULT_MAX_QUEUED;
  private @Nullable Long maxQueuedMediaBytes;
  private @Nullable TailSampling tailSampling;
  private @Nullable String serviceVersion;
  private boolean genAiAttributes = FieldSettings.DEFAULTS.genAiAttributes();
  private @Nullable String projectId;

  FluxTracerBuilder(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The Langfuse public key ({@code pk-lf-...}). Default: {@code LANGFUSE_PUBLIC_KEY}. */
  public FluxTracerBuilder publicKey(String publicKey) {
    this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
    return this;
  }

  /** The Langfuse secret key ({@code sk-lf-...}). Never logged. Default: {@code LANGFUSE_SECRET_KEY}. */
  public FluxTracerBuilder secretKey(String secretKey) {
    this.secretKey = Objects.requireNonNull(secretKey, "secretKey");
    return this;
  }

  /**
   * The Langfuse base URL, such as {@code https://us.cloud.langfuse.com} or a self-hosted server. Spans go to
   * {@code baseUrl + }{@value #LANGFUSE_OTLP_PATH} (trailing slashes are dropped, and so is that path if it was
   * given too). Default: {@code LANGFUSE_BASE_URL}, then {@code LANGFUSE_HOST}, then {@value #DEFAULT_BASE_URL}.
   */
  public FluxTracerBuilder baseUrl(String baseUrl) {
    this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    return this;
  }

  /**
   * Sends to any OTLP/HTTP traces endpoint instead of Langfuse (for example
   * {@code http://localhost:4318/v1/traces}): no Langfuse keys needed, no Langfuse headers sent. Add
   * authentication with {@link #header}. Cannot be combined with {@link #baseUrl}.
   */
  public FluxTracerBuilder otlpEndpoint(String url) {
    this.otlpEndpoint = Objects.requireNonNull(url, "url");
    return this;
  }

  /**
   * Adds a request header to every export, for example the authentication of a non-Langfuse backend. A
   * configured header replaces a default one of the same name; the body and connection headers
   * ({@code Content-Type}, {@code Content-Length}, {@code Content-Encoding}, {@code Transfer-Encoding},
   * {@code Host}, {@code Connection}) cannot be set. Values are never logged.
   */
  public FluxTracerBuilder header(String name, String value) {
    headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /**
   * Replaces HTTP export by a custom exporter, for example {@link io.fluxtrace.export.InMemorySpanExporter} in
   * tests. Tracing is then enabled without keys.
   */
  public FluxTracerBuilder exporter(SpanExporter exporter) {
    this.exporter = Objects.requireNonNull(exporter, "exporter");
    return this;
  }

  /**
   * Replaces sending scores to Langfuse by a custom exporter, for example
   * {@link io.fluxtrace.export.InMemoryScoreExporter} in tests. Without one, scores go to Langfuse's ingestion
   * API ({@code baseUrl + /api/public/ingestion}) when the tracer exports to Langfuse with keys; a tracer with an
   * {@link #otlpEndpoint} or a custom span {@link #exporter} has no Langfuse to send them to, so its scores are
   * dropped and counted ({@link ScoreStats#droppedNoExporter()}) unless a score exporter is set here.
   */
  public FluxTracerBuilder scoreExporter(ScoreExporter scoreExporter) {
    this.scoreExporter = Objects.requireNonNull(scoreExporter, "scoreExporter");
    return this;
  }

  /**
   * Scores the score pipeline holds at most; past it new scores are dropped and counted. It also holds at most
   * {@link #maxQueuedBytes} of scores, apart from the spans. Default {@value #DEFAULT_MAX_QUEUED_SCORES}.
   */
  public FluxTracerBuilder maxQueuedScores(int maxQueuedScores) {
    this.maxQueuedScores = maxQueuedScores;
    return this;
  }

  /** The {@code service.name} resource attribute. Default: {@code unknown_service:java}. */
  public FluxTracerBuilder serviceName(String serviceName) {
    this.serviceName = Objects.requireNonNull(serviceName, "serviceName");
    return this;
  }

  /** The default environment of every trace. Default: {@code LANGFUSE_TRACING_ENVIRONMENT}. */
  public FluxTracerBuilder environment(@Nullable String environment) {
    this.environment = environment;
    return this;
  }

  /** The default release of every trace. Default: {@code LANGFUSE_RELEASE}. */
  public FluxTracerBuilder release(@Nullable String release) {
    this.release = release;
    return this;
  }

  /**
   * The share of traces recorded, from 0.0 to 1.0, decided once per trace from its id so that a trace is kept
   * or dropped whole. Default: {@code LANGFUSE_SAMPLE_RATE}, else 1.0.
   */
  public FluxTracerBuilder sampleRate(double sampleRate) {
    this.sampleRate = sampleRate;
    return this;
  }

  /** Whether tracing is on at all. Default: {@code LANGFUSE_TRACING_ENABLED}, else true. */
  public FluxTracerBuilder enabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** Spans per export request at most. Default: {@code LANGFUSE_FLUSH_AT}, else {@value #DEFAULT_FLUSH_AT}. */
  public FluxTracerBuilder flushAt(int flushAt) {
    this.flushAt = flushAt;
    return this;
  }

  /** How long an ended span waits at most before it is exported. Default: {@code LANGFUSE_FLUSH_INTERVAL}, else 1 s. */
  public FluxTracerBuilder flushInterval(Duration flushInterval) {
    this.flushInterval = Objects.requireNonNull(flushInterval, "flushInterval");
    return this;
  }

  /** Connect and response timeout of one export request. Default: {@code LANGFUSE_TIMEOUT}, else 10 s. */
  public FluxTracerBuilder timeout(Duration timeout) {
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    return this;
  }

  /** Spans the pipeline holds at most; past it new spans are dropped and counted. Default {@value #DEFAULT_MAX_QUEUED_SPANS}. */
  public FluxTracerBuilder maxQueuedSpans(int maxQueuedSpans) {
    this.maxQueuedSpans = maxQueuedSpans;
    return this;
  }

  /** Estimated bytes the pipeline holds at most; past it new spans are dropped and counted. Default 64 MiB. */
  public FluxTracerBuilder maxQueuedBytes(long maxQueuedBytes) {
    this.maxQueuedBytes = maxQueuedBytes;
    return this;
  }

  /** Estimated uncompressed bytes per export request at most. Default 4 MiB. */
  public FluxTracerBuilder maxBatchBytes(long maxBatchBytes) {
    this.maxBatchBytes = maxBatchBytes;
    return this;
  }

  /** Serialized bytes of one input, output or metadata value before it is truncated with a marker. Default 1 MiB. */
  public FluxTracerBuilder maxValueBytes(int maxValueBytes) {
    this.maxValueBytes = maxValueBytes;
    return this;
  }

  /** Export requests in flight at once. Default {@value #DEFAULT_MAX_CONCURRENT_EXPORTS}. */
  public FluxTracerBuilder maxConcurrentExports(int maxConcurrentExports) {
    this.maxConcurrentExports = maxConcurrentExports;
    return this;
  }

  /**
   * Attempts per export request, the first included, for 429, 502, 503, 504 and connection failures, with
   * exponential backoff and jitter between them. Default {@value #DEFAULT_MAX_EXPORT_ATTEMPTS}.
   */
  public FluxTracerBuilder maxExportAttempts(int maxExportAttempts) {
    this.maxExportAttempts = maxExportAttempts;
    return this;
  }

  /** The first backoff between attempts, doubled each time up to {@link #maxBackoff}. Default 1 s. */
  public FluxTracerBuilder initialBackoff(Duration initialBackoff) {
    this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
    return this;
  }

  /** The longest backoff between attempts, also the cap on a server's {@code Retry-After}. Default 30 s. */
  public FluxTracerBuilder maxBackoff(Duration maxBackoff) {
    this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
    return this;
  }

  /**
   * Whether a request that was sent but timed out waiting for the answer is sent again. Default false: Langfuse
   * v4 keeps a duplicate of every re-sent span, so such spans are counted as {@link FailureReason#TIMEOUT}
   * (possibly delivered) instead. Set true to prefer possible duplicates over possible loss.
   */
  public FluxTracerBuilder retryTimedOutRequests(boolean retry) {
    this.retryTimedOutRequests = retry;
    return this;
  }

  // Wire format (issue #15)

  /**
   * The OTLP encoding of span requests: {@code "http/protobuf"} (the default) or {@code "http/json"}, as the
   * OpenTelemetry specification names them; when not set, {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL}, then
   * {@code OTEL_EXPORTER_OTLP_PROTOCOL}, then protobuf. Protobuf exports about 1.2x as many spans per second as
   * JSON at 0.6x its encoding CPU, in bodies about a third smaller; JSON is readable in a debugging proxy. Checked
   * in {@code build()}. Scores always travel as JSON (Langfuse's ingestion API).
   */
  public FluxTracerBuilder otlpProtocol(String protocol) {
    this.otlpProtocol = protocol;
    return this;
  }

  /** Whether request bodies are gzip-compressed. Default true. */
  public FluxTracerBuilder gzip(boolean gzip) {
    this.gzip = gzip;
    return this;
  }

  /**
   * Allows a plain {@code http://} URL to a host other than loopback, which would send the keys and the
   * traced content unencrypted. Default false: {@link #build()} refuses such a URL.
   */
  public FluxTracerBuilder allowInsecureHttp(boolean allow) {
    this.allowInsecureHttp = allow;
    return this;
  }

  /**
   * The Jackson mapper that serializes input, output, metadata and model parameters. Default: a mapper that
   * writes dates as ISO-8601 strings and tolerates beans without properties.
   */
  public FluxTracerBuilder objectMapper(ObjectMapper objectMapper) {
    this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
    return this;
  }

  /** The hook that masks every piece of user content before export. Default: none. */
  public FluxTracerBuilder masker(ContentMasker masker) {
    this.masker = Objects.requireNonNull(masker, "masker");
    return this;
  }

  /** The clock of span timestamps. Default {@link TraceClock#system()}. */
  public FluxTracerBuilder clock(TraceClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * Whether a JVM shutdown hook runs {@link FluxTracer#shutdown()} (drain, then stop, within
   * {@link #shutdownTimeout}) for a tracer that was not closed. Default true.
   */
  public FluxTracerBuilder shutdownHook(boolean shutdownHook) {
    this.shutdownHook = shutdownHook;
    return this;
  }

  /**
   * The deadline of {@link FluxTracer#shutdown()}, {@link FluxTracer#close()} and the shutdown hook. Until then
   * the tracer keeps accepting and delivering spans and scores while any span is open or anything is undelivered;
   * the last quarter of it (at most 5 s) is kept for delivering what is left, and spans still open when that
   * part begins are ended by shutdown. Zero: stop at once, giving up on whatever is undelivered.
   * Default {@link #DEFAULT_SHUTDOWN_TIMEOUT 30 s}.
   */
  public FluxTracerBuilder shutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    return this;
  }

  /**
   * How long shutdown waits, once no span is open and nothing is queued or in flight, for another span or score
   * before it stops accepting them; any new work restarts the wait. Raise it if your requests have gaps without
   * an open span that are longer (an untraced remote call between two traced steps); zero stops accepting as
   * soon as the tracer is idle. At most {@link #shutdownTimeout}. Default
   * {@link #DEFAULT_SHUTDOWN_QUIET_PERIOD 200 ms}.
   */
  public FluxTracerBuilder shutdownQuietPeriod(Duration shutdownQuietPeriod) {
    this.shutdownQuietPeriod = Objects.requireNonNull(shutdownQuietPeriod, "shutdownQuietPeriod");
    return this;
  }

  /**
   * The scheduler that batches, encodes and times exports. Default: a dedicated single daemon thread. Tests
   * pass a {@code VirtualTimeScheduler} to control time. Any scheduler will do, including one over a thread pool
   * whose workers run tasks side by side ({@code Schedulers.fromExecutorService}): the batching itself still runs
   * one task at a time. The tracer does not dispose a scheduler it was given.
   */
  public FluxTracerBuilder exportScheduler(Scheduler exportScheduler) {
    this.exportScheduler = Objects.requireNonNull(exportScheduler, "exportScheduler");
    return this;
  }

  /**
   * A PEM file of the certificates to trust for an {@code https://} endpoint (a private CA, a self-signed
   * server), instead of the JDK's default trust. Read when the tracer is built. Default: the JDK's trust store.
   */
  public FluxTracerBuilder trustedCertificates(Path pemFile) {
    this.trustedCertificates = Objects.requireNonNull(pemFile, "trustedCertificates");
    return this;
  }

  /**
   * A key store (PKCS12 or JKS, told apart by its content) of the certificates to trust for an {@code https://}
   * endpoint, instead of the JDK's default trust. Read when the tracer is built. Default: the JDK's trust store.
   *
   * @param password the store's password, or null for none; it is not kept in any log or {@code toString()}
   */
  public FluxTracerBuilder trustStore(Path keyStore, @Nullable String password) {
    this.trustStore = Objects.requireNonNull(keyStore, "trustStore");
    this.trustStorePassword = password;
    return this;
  }

  /**
   * An HTTP proxy, {@code http://[user:password@]host:port}, that every request (spans and scores) goes through:
   * tunnelled with {@code CONNECT}, so TLS stays end to end. Default: the JVM's proxy settings
   * ({@code https.proxyHost}/{@code https.proxyPort} for an {@code https://} endpoint,
   * {@code http.proxyHost}/{@code http.proxyPort} for {@code http://}, {@code http.nonProxyHosts} for both), as
   * every JDK HTTP client reads them; the {@code HTTPS_PROXY} environment variable is not read, as the JVM does not.
   */
  public FluxTracerBuilder proxy(URI proxy) {
    this.proxy = Objects.requireNonNull(proxy, "proxy");
    this.systemProxy = false;
    return this;
  }

  // Langfuse fields and parity helpers (issue 17).

  /**
   * The {@code service.version} resource attribute: the version of the application. Langfuse uses it as a trace's
   * version when no span sets one ({@code langfuse.version}). Default: none.
   */
  public FluxTracerBuilder serviceVersion(@Nullable String serviceVersion) {
    this.serviceVersion = serviceVersion;
    return this;
  }

  /**
   * Whether spans also carry the OpenTelemetry GenAI semantic-convention attributes ({@code gen_ai.operation.name},
   * {@code gen_ai.provider.name}, {@code gen_ai.request.model}, {@code gen_ai.usage.*}, {@code
   * gen_ai.conversation.id}), so that other OTLP backends recognize model calls. Langfuse reads them only where
   * the {@code langfuse.*} attribute is absent, so nothing is counted twice. Default: true.
   */
  public FluxTracerBuilder genAiAttributes(boolean genAiAttributes) {
    this.genAiAttributes = genAiAttributes;
    return this;
  }

  /**
   * The Langfuse project id, so that {@link FluxTracer#traceUrl} links straight into the project; without it the
   * link goes through Langfuse's redirect to the trace's project. Default: none.
   */
  public FluxTracerBuilder projectId(@Nullable String projectId) {
    this.projectId = projectId;
    return this;
  }

  /** Connects directly, ignoring the JVM's proxy settings (and any {@link #proxy} set before). */
  public FluxTracerBuilder noProxy() {
    this.proxy = null;
    this.systemProxy = false;
    return this;
  }

  // Media upload (docs/media.md)

  /**
   * Whether media found in span input, output and metadata ({@link Media}, byte arrays, {@code data:...;base64,}
   * strings) is uploaded through Langfuse's media API and replaced by Langfuse's media reference. Only a tracer
   * that exports to Langfuse with keys uploads; elsewhere (an {@link #otlpEndpoint}, a custom {@link #exporter}) or
   * when turned off, content is sent as it is. Default: {@code LANGFUSE_MEDIA_UPLOAD_ENABLED}, else true.
   */
  public FluxTracerBuilder mediaUpload(boolean enabled) {
    this.mediaUpload = enabled;
    return this;
  }

  /**
   * Pieces of media waiting for or in upload at most; past it, new media is replaced by a placeholder and counted
   * ({@link MediaStats#droppedQueueFull()}). Default {@value MediaSettings#DEFAULT_MAX_QUEUED}.
   */
  public FluxTracerBuilder maxQueuedMedia(int maxQueuedMedia) {
    this.maxQueuedMedia = maxQueuedMedia;
    return this;
  }

  /**
   * Bytes of media waiting for or in upload at most, taken from {@link #maxQueuedBytes} (the spans get the rest),
   * at most half of it; past it, new media is replaced by a placeholder and counted. Default: a quarter of
   * {@link #maxQueuedBytes} (16 MiB by default).
   */
  public FluxTracerBuilder maxQueuedMediaBytes(long maxQueuedMediaBytes) {
    this.maxQueuedMediaBytes = maxQueuedMediaBytes;
    return this;
  }

  // Tail sampling (issue #18)

  /**
   * Keeps every failed and every slow trace whatever the {@link #sampleRate}, and the others at that rate: the spans
   * of a trace the rate would drop are held until its local root ends, then the trace is kept or sampled out whole.
   * The hold takes its share out of {@link #maxQueuedSpans} and {@link #maxQueuedBytes}. Default: none (the rate
   * decides when a trace starts). See {@link TailSampling}.
   */
  public FluxTracerBuilder tailSampling(TailSampling tailSampling) {
    this.tailSampling = Objects.requireNonNull(tailSampling, "tailSampling");
    return this;
  }

  /**
   * Validates the settings and builds the tracer. Missing Langfuse keys disable tracing with one warning,
   * nothing thrown; a malformed setting throws {@link IllegalArgumentException} naming it.
   */
  public FluxTracer build() {
    return FluxTracer.create(toConfig());
  }

  TracerConfig toConfig() {
    EnvironmentDefaults defaults = new EnvironmentDefaults(env, secretKey);
    EndpointValidation validation = defaults.validation();
    boolean isEnabled = enabled != null ? enabled : defaults.bool("LANGFUSE_TRACING_ENABLED", true);
    String pk = defaults.get(publicKey, "LANGFUSE_PUBLIC_KEY");
    String sk = defaults.get(secretKey, "LANGFUSE_SECRET_KEY");
    boolean langfuse = EndpointValidation.isLangfuse(baseUrl, otlpEndpoint);
    URI endpoint = langfuse ? defaults.langfuseEndpoint(baseUrl)
        : validation.parseUrl("otlpEndpoint", Objects.requireNonNull(otlpEndpoint));
    if (langfuse) {
      EndpointValidation.requireKeyShapes(pk, publicKey != null ? "publicKey" : "LANGFUSE_PUBLIC_KEY",
          sk, secretKey != null ? "secretKey" : "LANGFUSE_SECRET_KEY");
    }
    if (isEnabled && exporter == null && langfuse && (pk == null || sk == null)) {
      EndpointValidation.warnKeysMissing(pk, sk);
      isEnabled = false;
    }
    // Only what would really be sent is refused: a disabled tracer sends nothing.
    if (isEnabled && exporter == null) {
      EndpointValidation.requireSecure(endpoint, allowInsecureHttp);
    }
    validation.requireValidHeaders(headers);
    TraceSettings trace = defaults.trace(serviceName, environment, release, sampleRate);
    BatchSettings batching = new BatchSettings(defaults.flushAt(flushAt, DEFAULT_FLUSH_AT),
        defaults.seconds(flushInterval, "flushInterval", "LANGFUSE_FLUSH_INTERVAL", Duration.ofSeconds(1)),
        maxQueuedSpans, maxQueuedScores, maxQueuedBytes, maxBatchBytes, maxConcurrentExports);
    Duration requestTimeout = defaults.seconds(timeout, "timeout", "LANGFUSE_TIMEOUT", Duration.ofSeconds(10));
    RetrySettings retry = new RetrySettings(maxExportAttempts, initialBackoff, maxBackoff, retryTimedOutRequests);
    LifecycleSettings lifecycle =
        new LifecycleSettings(shutdownHook, shutdownTimeout, shutdownQuietPeriod, exportScheduler);
    EndpointSettings endpointSettings = new EndpointSettings(endpoint, langfuse, langfuse ? pk : null,
        langfuse ? sk : null, headers, requestTimeout, gzip);
    ContentSettings content = new ContentSettings(objectMapper != null ? objectMapper : DefaultObjectMapper.create(),
        masker, maxValueBytes);
    TransportSettings transport =
        TransportSettings.resolve(trustedCertificates, trustStore, trustStorePassword, proxy, systemProxy);
    boolean mediaPossible = isEnabled && langfuse && exporter == null && pk != null && sk != null;
    return new TracerConfig(isEnabled, endpointSettings, trace, batching, retry, content, transport, lifecycle,
        clock, exporter, scoreExporter,
        MediaSettings.resolve(defaults, mediaUpload, maxQueuedMedia, maxQueuedMediaBytes, maxQueuedBytes,
            mediaPossible),
        SamplingSettings.resolve(tailSampling, maxQueuedSpans, maxQueuedBytes),
        FieldSettings.resolve(serviceVersion, genAiAttributes, projectId),
        WireSettings.resolve(defaults, otlpProtocol));
  }
}
