package io.fluxtrace.internal.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.TraceClock;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.FieldSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Everything {@link io.fluxtrace.FluxTracerBuilder#build()} validated, in one immutable value. Secrets are kept
 * out of {@link #toString()}.
 *
 * @param enabled whether spans are recorded at all
 * @param publicKey the Langfuse public key, or null for a plain OTLP endpoint
 * @param secretKey the Langfuse secret key, or null for a plain OTLP endpoint
 * @param endpoint the full URL that receives OTLP/HTTP JSON exports
 * @param langfuse whether the endpoint is Langfuse (Basic auth and the {@code x-langfuse-*} headers)
 * @param headers extra request headers
 * @param exporter a custom exporter that replaces HTTP export, or null
 * @param scoreExporter a custom score exporter that replaces sending scores to Langfuse, or null
 * @param maxQueuedScores scores the score pipeline holds at most
 * @param shutdownQuietPeriod how long shutdown waits, once nothing is open or queued, for new work before it
 *     stops accepting
 * @param transport TLS trust and proxy of the HTTP transport
 * @param media media upload to Langfuse
 * @param sampling tail sampling, or head sampling only
 * @param fields the Langfuse fields and parity helpers: service version, GenAI attributes, project id
 * @param wire the OTLP encoding of span requests (JSON or protobuf)
 */
public record TracerConfig(
    boolean enabled,
    @Nullable String publicKey,
    @Nullable String secretKey,
    URI endpoint,
    boolean langfuse,
    Map<String, String> headers,
    @Nullable SpanExporter exporter,
    String serviceName,
    @Nullable String environment,
    @Nullable String release,
    double sampleRate,
    int flushAt,
    Duration flushInterval,
    Duration timeout,
    int maxQueuedSpans,
    long maxQueuedBytes,
    long maxBatchBytes,
    int maxValueBytes,
    int maxConcurrentExports,
    int maxExportAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    boolean retryTimedOutRequests,
    boolean gzip,
    boolean allowInsecureHttp,
    ObjectMapper objectMapper,
    ContentMasker masker,
    TraceClock clock,
    boolean shutdownHook,
    Duration shutdownTimeout,
    Duration shutdownQuietPeriod,
    @Nullable Scheduler exportScheduler,
    @Nullable ScoreExporter scoreExporter,
    int maxQueuedScores,
    TransportSettings transport,
    MediaSettings media,
    SamplingSettings sampling,
    FieldSettings fields,
    WireSettings wire) {

  public TracerConfig {
    headers = Map.copyOf(headers);
  }

  @Override
  public String toString() {
    return "TracerConfig{enabled=" + enabled
        + ", endpoint=" + Secrets.redactUrl(endpoint)
        + ", langfuse=" + langfuse
        + ", publicKey=" + (publicKey == null ? "none" : Secrets.redactPublicKey(publicKey))
        + ", secretKey=" + (secretKey == null ? "none" : "****")
        + ", headers=" + headers.keySet()
        + ", serviceName=" + serviceName
        + ", environment=" + environment
        + ", release=" + release
        + ", sampleRate=" + sampleRate
        + ", flushAt=" + flushAt
        + ", flushInterval=" + flushInterval
        + ", timeout=" + timeout
        + ", maxQueuedSpans=" + maxQueuedSpans
        + ", maxQueuedBytes=" + maxQueuedBytes
        + ", maxBatchBytes=" + maxBatchBytes
        + ", maxValueBytes=" + maxValueBytes
        + ", maxConcurrentExports=" + maxConcurrentExports
        + ", maxExportAttempts=" + maxExportAttempts
        + ", gzip=" + gzip
        + ", shutdownHook=" + shutdownHook
        + ", shutdownTimeout=" + shutdownTimeout
        + ", shutdownQuietPeriod=" + shutdownQuietPeriod
        + ", scoreExporter=" + (scoreExporter == null ? "default" : scoreExporter.getClass().getSimpleName())
        + ", maxQueuedScores=" + maxQueuedScores
        + ", transport=" + transport
        + ", media=" + media
        + ", sampling=" + sampling
        + ", fields=" + fields
        + '}';
  }
}
