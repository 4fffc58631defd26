package io.fluxtrace;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.MediaSettings;
import io.fluxtrace.internal.config.SamplingSettings;
import io.fluxtrace.internal.config.FieldSettings;
import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.config.TransportSettings;
import io.fluxtrace.internal.config.WireSettings;
import io.fluxtrace.internal.content.DefaultObjectMapper;
import io.fluxtrace.internal.util.SafeLogger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

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
  public static final String DEFAULT_BASE_URL = "https://cloud.langfuse.com";
  /** The OTLP/HTTP traces path below a Langfuse base URL. */
  public static final String LANGFUSE_OTLP_PATH = "/api/public/otel/v1/traces";
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

  private static final String PUBLIC_KEY_PREFIX = "pk-lf-";
  private static final String SECRET_KEY_PREFIX = "sk-lf-";

  /** Headers that describe the body or the connection, which fluxtrace sets itself. */
  private static final Set<String> RESERVED_HEADERS = Set.of(
      "content-type", "content-length", "content-encoding", "transfer-encoding", "host", "connection");

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
   * The OTLP encoding of span requests: {@code "http/json"} (the default) or {@code "http/protobuf"}, as the
   * OpenTelemetry specification names them; when not set, {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL}, then
   * {@code OTEL_EXPORTER_OTLP_PROTOCOL}. Protobuf encodes about 1.5x faster into smaller bodies. Checked in
   * {@code build()}. Scores always travel as JSON (Langfuse's ingestion API).
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
   * pass a {@code VirtualTimeScheduler} to control time.
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
    boolean isEnabled = enabled != null ? enabled : bool("LANGFUSE_TRACING_ENABLED", true);
    String pk = publicKey != null ? blankToNull(publicKey.trim()) : env("LANGFUSE_PUBLIC_KEY");
    String sk = secretKey != null ? blankToNull(secretKey.trim()) : env("LANGFUSE_SECRET_KEY");
    boolean langfuse = otlpEndpoint == null;
    if (!langfuse && baseUrl != null) {
      throw new IllegalArgumentException("fluxtrace: set either baseUrl (Langfuse) or otlpEndpoint (any OTLP/HTTP"
          + " backend), not both");
    }
    URI endpoint = langfuse ? langfuseEndpoint() : parseUrl("otlpEndpoint", Objects.requireNonNull(otlpEndpoint));
    if (langfuse) {
      requireKeyShape(pk, PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX,
          publicKey != null ? "publicKey" : "LANGFUSE_PUBLIC_KEY", "a secret");
      requireKeyShape(sk, SECRET_KEY_PREFIX, PUBLIC_KEY_PREFIX,
          secretKey != null ? "secretKey" : "LANGFUSE_SECRET_KEY", "a public");
    }
    if (isEnabled && exporter == null && langfuse && (pk == null || sk == null)) {
      SafeLogger.of(FluxTracerBuilder.class).warn(
          "fluxtrace: tracing is disabled because {} not set. Set LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY"
              + " (or configure an OTLP endpoint or an exporter) to record traces.",
          pk == null && sk == null ? "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are" : pk == null
              ? "LANGFUSE_PUBLIC_KEY is" : "LANGFUSE_SECRET_KEY is");
      isEnabled = false;
    }
    // Only what would really be sent is refused: a disabled tracer sends nothing.
    if (isEnabled && exporter == null && !allowInsecureHttp && "http".equalsIgnoreCase(endpoint.getScheme())
        && !isLoopback(endpoint.getHost())) {
      throw new IllegalArgumentException("fluxtrace: refusing plain http:// to " + endpoint.getHost()
          + ": keys and traced content would travel unencrypted. Use https://, or allowInsecureHttp(true)"
          + " if the network is trusted.");
    }
    requireValidHeaders();
    require(!serviceName.isBlank(), "serviceName", "a non-blank name", serviceName);
    double rate = sampleRate();
    int batch = flushAt();
    Duration interval = positiveSeconds(flushInterval, "flushInterval", "LANGFUSE_FLUSH_INTERVAL", Duration.ofSeconds(1));
    Duration requestTimeout = positiveSeconds(timeout, "timeout", "LANGFUSE_TIMEOUT", Duration.ofSeconds(10));
    require(maxQueuedSpans >= 1, "maxQueuedSpans", "at least 1", String.valueOf(maxQueuedSpans));
    require(maxQueuedScores >= 1, "maxQueuedScores", "at least 1", String.valueOf(maxQueuedScores));
    require(maxQueuedBytes >= 1024, "maxQueuedBytes", "at least 1024", String.valueOf(maxQueuedBytes));
    require(maxBatchBytes >= 1024, "maxBatchBytes", "at least 1024", String.valueOf(maxBatchBytes));
    require(maxValueBytes >= 64, "maxValueBytes", "at least 64", String.valueOf(maxValueBytes));
    require(maxConcurrentExports >= 1, "maxConcurrentExports", "at least 1", String.valueOf(maxConcurrentExports));
    require(maxExportAttempts >= 1 && maxExportAttempts <= 10, "maxExportAttempts", "from 1 to 10",
        String.valueOf(maxExportAttempts));
    require(!initialBackoff.isNegative() && !initialBackoff.isZero(), "initialBackoff", "positive",
        initialBackoff.toString());
    require(maxBackoff.compareTo(initialBackoff) >= 0, "maxBackoff", "at least initialBackoff (" + initialBackoff
        + ")", maxBackoff.toString());
    require(!shutdownTimeout.isNegative(), "shutdownTimeout", "zero or positive", shutdownTimeout.toString());
    require(!shutdownQuietPeriod.isNegative(), "shutdownQuietPeriod", "zero or positive",
        shutdownQuietPeriod.toString());
    require(shutdownQuietPeriod.compareTo(shutdownTimeout) <= 0, "shutdownQuietPeriod",
        "at most shutdownTimeout (" + shutdownTimeout + ")", shutdownQuietPeriod.toString());
    String env2 = environment != null ? environment : env("LANGFUSE_TRACING_ENVIRONMENT");
    String rel = release != null ? release : env("LANGFUSE_RELEASE");
    return new TracerConfig(
        isEnabled,
        langfuse ? pk : null,
        langfuse ? sk : null,
        endpoint,
        langfuse,
        headers,
        exporter,
        serviceName,
        env2,
        rel,
        rate,
        batch,
        interval,
        requestTimeout,
        maxQueuedSpans,
        maxQueuedBytes,
        maxBatchBytes,
        maxValueBytes,
        maxConcurrentExports,
        maxExportAttempts,
        initialBackoff,
        maxBackoff,
        retryTimedOutRequests,
        gzip,
        allowInsecureHttp,
        objectMapper != null ? objectMapper : DefaultObjectMapper.create(),
        masker,
        clock,
        shutdownHook,
        shutdownTimeout,
        shutdownQuietPeriod,
        exportScheduler,
        scoreExporter,
        maxQueuedScores,
        transportSettings(),
        mediaSettings(isEnabled && langfuse && exporter == null && pk != null && sk != null),
        SamplingSettings.resolve(tailSampling, maxQueuedSpans, maxQueuedBytes),
        fieldSettings(),
        wireSettings());
  }

  /** The Langfuse field settings, validated. */
  private FieldSettings fieldSettings() {
    String version = serviceVersion == null || serviceVersion.isBlank() ? null : serviceVersion.trim();
    String project = projectId == null || projectId.isBlank() ? null : projectId.trim();
    if (project != null) {
      require(project.chars().allMatch(c -> c > ' ' && c != '/' && c != '?' && c != '#' && c < 0x7f),
          "projectId", "a Langfuse project id (printable ASCII without '/', '?' or '#')", project);
    }
    return new FieldSettings(version, genAiAttributes, project);
  }

  /** Media upload, validated; off unless asked for and {@code possible} (Langfuse with keys, our own export). */
  private MediaSettings mediaSettings(boolean possible) {
    boolean wanted = mediaUpload != null ? mediaUpload : bool("LANGFUSE_MEDIA_UPLOAD_ENABLED", true);
    require(maxQueuedMedia >= 1, "maxQueuedMedia", "at least 1", String.valueOf(maxQueuedMedia));
    Long set = maxQueuedMediaBytes;
    long bytes = set != null ? set : Math.max(1, maxQueuedBytes / 4);
    if (set != null) {
      require(set >= 1024 && set <= maxQueuedBytes / 2, "maxQueuedMediaBytes",
          "from 1024 to half of maxQueuedBytes (" + maxQueuedBytes / 2 + ")", String.valueOf(set));
    }
    return new MediaSettings(wanted && possible, maxQueuedMedia, bytes, MediaSettings.DEFAULT_MAX_CONCURRENT_UPLOADS);
  }

  /**
   * The span wire: the setter, else {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL}, else
   * {@code OTEL_EXPORTER_OTLP_PROTOCOL}, else JSON.
   */
  private WireSettings wireSettings() {
    String setting = "otlpProtocol";
    String value = otlpProtocol;
    if (value == null) {
      value = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
      setting = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
    }
    if (value == null) {
      value = env("OTEL_EXPORTER_OTLP_PROTOCOL");
      setting = "OTEL_EXPORTER_OTLP_PROTOCOL";
    }
    if (value == null) {
      return WireSettings.DEFAULT;
    }
    WireSettings wire = WireSettings.of(value);
    require(wire != null, setting, WireSettings.HTTP_PROTOBUF + " or " + WireSettings.HTTP_JSON, value);
    return java.util.Objects.requireNonNull(wire);
  }

  /** TLS trust and proxy, validated: the trust files are read here, so that a bad one fails the build. */
  private TransportSettings transportSettings() {
    if (trustedCertificates != null && trustStore != null) {
      throw new IllegalArgumentException("fluxtrace: set either trustedCertificates (a PEM file) or trustStore (a"
          + " key store), not both");
    }
    URI p = proxy;
    if (p != null) {
      require("http".equalsIgnoreCase(p.getScheme()) && p.getHost() != null && p.getRawPath() != null
              && (p.getRawPath().isEmpty() || "/".equals(p.getRawPath())) && p.getRawQuery() == null,
          "proxy", "an HTTP proxy URL http://[user:password@]host[:port]", Secrets.redactUrl(p));
    }
    TransportSettings settings =
        new TransportSettings(trustedCertificates, trustStore, trustStorePassword, p, systemProxy);
    // Reading files would block a non-blocking thread; there the first export reads them (and logs a failure).
    if ((trustedCertificates != null || trustStore != null) && !Schedulers.isInNonBlockingThread()) {
      settings.trustManagerFactory();
    }
    return settings;
  }

  /** {@code baseUrl}, else the variables, else Langfuse Cloud, followed by the OTLP path. */
  private URI langfuseEndpoint() {
    String base = baseUrl;
    String source = "baseUrl";
    if (base == null) {
      base = env("LANGFUSE_BASE_URL");
      source = "environment variable LANGFUSE_BASE_URL";
    }
    if (base == null) {
      base = env("LANGFUSE_HOST");
      source = "environment variable LANGFUSE_HOST";
    }
    if (base == null) {
      base = DEFAULT_BASE_URL;
    }
    URI parsed = parseUrl(source, base);
    if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
      // A query or fragment can hold a token: only the part before it is repeated.
      throw new IllegalArgumentException("fluxtrace: " + source + " must be a base URL without query or fragment,"
          + " such as " + DEFAULT_BASE_URL + ", got " + shown(Secrets.redactUrl(parsed))
          + " followed by a query or fragment (not shown)");
    }
    String trimmed = base.trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    // Tolerate the full endpoint pasted as base URL rather than posting to .../v1/traces/api/public/...
    if (trimmed.endsWith(LANGFUSE_OTLP_PATH)) {
      trimmed = trimmed.substring(0, trimmed.length() - LANGFUSE_OTLP_PATH.length());
    }
    return parseUrl(source, trimmed + LANGFUSE_OTLP_PATH);
  }

  /** A key that starts with the other key's prefix was almost certainly swapped; say so before it is sent. */
  private static void requireKeyShape(@Nullable String key, String ownPrefix, String otherPrefix, String source,
      String other) {
    if (key != null && key.startsWith(otherPrefix)) {
      throw new IllegalArgumentException("fluxtrace: " + source + " looks like " + other + " key (it starts with "
          + otherPrefix + ", where " + ownPrefix + " was expected): are the public and secret keys swapped?");
    }
  }

  private void requireValidHeaders() {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      String name = header.getKey();
      if (!isToken(name)) {
        throw new IllegalArgumentException("fluxtrace: header name " + shown(name) + " is not a valid HTTP header"
            + " name");
      }
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("fluxtrace: header " + name + " is set by fluxtrace itself and cannot"
            + " be configured");
      }
      for (int i = 0; i < header.getValue().length(); i++) {
        char c = header.getValue().charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          // The value may be a credential: name the header, never show the value.
          throw new IllegalArgumentException("fluxtrace: the value of header " + name + " contains a line break"
              + " or another control character");
        }
      }
    }
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private double sampleRate() {
    String expected = "a number from 0.0 to 1.0";
    if (sampleRate != null) {
      require(sampleRate >= 0.0 && sampleRate <= 1.0, "sampleRate", expected, String.valueOf(sampleRate));
      return sampleRate;
    }
    String value = env("LANGFUSE_SAMPLE_RATE");
    if (value == null) {
      return 1.0;
    }
    try {
      double parsed = Double.parseDouble(value);
      if (parsed >= 0.0 && parsed <= 1.0) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw malformed("LANGFUSE_SAMPLE_RATE", expected, value);
  }

  private int flushAt() {
    String expected = "a whole number of spans, at least 1";
    if (flushAt != null) {
      require(flushAt >= 1, "flushAt", expected, String.valueOf(flushAt));
      return flushAt;
    }
    String value = env("LANGFUSE_FLUSH_AT");
    if (value == null) {
      return DEFAULT_FLUSH_AT;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= 1) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw malformed("LANGFUSE_FLUSH_AT", expected, value);
  }

  private Duration positiveSeconds(@Nullable Duration set, String setting, String variable, Duration fallback) {
    if (set != null) {
      require(!set.isNegative() && !set.isZero(), setting, "positive", set.toString());
      return set;
    }
    String value = env(variable);
    if (value == null) {
      return fallback;
    }
    String expected = "a positive number of seconds, such as 1 or 0.5";
    double secs;
    try {
      secs = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw malformed(variable, expected, value);
    }
    // At least a millisecond, at most a day: anything else is a unit mistake (milliseconds for seconds).
    if (!(secs >= 0.001 && secs <= 86_400)) {
      throw malformed(variable, expected + " from 0.001 to 86400", value);
    }
    return Duration.ofNanos(Math.round(secs * 1_000_000_000L));
  }

  private static boolean isLoopback(@Nullable String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    // Literal addresses only, besides "localhost": a name like 127.0.0.1.example.com resolves anywhere.
    return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private URI parseUrl(String source, String url) {
    String trimmed = url.trim();
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      // The parser's message quotes the whole input.
      throw new IllegalArgumentException("fluxtrace: " + source + " must be an http:// or https:// URL, got "
          + shown(url) + ": " + (isWithheld(url) ? "not a valid URL" : e.getMessage()));
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("fluxtrace: " + source + " must be an http:// or https:// URL with a"
          + " host, such as " + DEFAULT_BASE_URL + ", got " + shown(url));
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("fluxtrace: " + source + " must not carry credentials in the URL; use"
          + " publicKey/secretKey for Langfuse, or header(...) for another backend");
    }
    return uri;
  }

  /**
   * A value for an error message, unless it may hold a credential: one with an {@code @} (user info in a URL), or
   * one that contains the secret key or looks like a Langfuse secret key (a key pasted into the wrong variable).
   */
  private String shown(String value) {
    if (value.contains("@")) {
      return "a value that is not shown because it contains '@'";
    }
    if (containsSecretKey(value)) {
      return "a value that is not shown because it looks like a secret key";
    }
    return "'" + value + "'";
  }

  private boolean isWithheld(String value) {
    return value.contains("@") || containsSecretKey(value);
  }

  private boolean containsSecretKey(String value) {
    if (value.contains(SECRET_KEY_PREFIX)) {
      return true;
    }
    String secret = secretKey != null ? blankToNull(secretKey.trim()) : env("LANGFUSE_SECRET_KEY");
    return secret != null && value.contains(secret);
  }

  private static void require(boolean ok, String setting, String expected, String got) {
    if (!ok) {
      throw new IllegalArgumentException("fluxtrace: " + setting + " must be " + expected + ", got '" + got + "'");
    }
  }

  private boolean bool(String variable, boolean fallback) {
    String value = env(variable);
    if (value == null) {
      return fallback;
    }
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
      case "1":
      case "yes":
        return true;
      case "false":
      case "0":
      case "no":
        return false;
      default:
        throw malformed(variable, "true or false", value);
    }
  }

  /** An environment variable, trimmed; null when unset or blank. */
  private @Nullable String env(String variable) {
    String value = env.get(variable);
    return value == null ? null : blankToNull(value.trim());
  }

  private IllegalArgumentException malformed(String variable, String expected, String value) {
    return new IllegalArgumentException(
        "fluxtrace: environment variable " + variable + " must be " + expected + ", got " + shown(value));
  }

  private static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
