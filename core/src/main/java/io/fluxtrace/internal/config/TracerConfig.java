package io.fluxtrace.internal.config;

import io.fluxtrace.TraceClock;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@link io.fluxtrace.FluxTracerBuilder#build()} validated, in one immutable value made of one record
 * per concern, so that each component takes only the record it needs (the pipeline no keys, the sender no
 * masker). Secrets are kept out of {@link #toString()}.
 *
 * @param enabled whether spans are recorded at all
 * @param endpoint where exports go, their authentication, headers, compression and timeout
 * @param trace the defaults every trace carries and the sample rate
 * @param batching batch sizes, the flush interval and the bounds of the pipelines
 * @param retry how failed requests are tried again
 * @param content how user values are serialized, masked and capped
 * @param transport TLS trust and proxy of the HTTP transport
 * @param lifecycle the export scheduler and shutdown
 * @param clock the clock of span and score timestamps
 * @param exporter a custom exporter that replaces HTTP export, or null
 * @param scoreExporter a custom score exporter that replaces sending scores to Langfuse, or null
 * @param media media upload to Langfuse
 * @param sampling tail sampling, or head sampling only
 * @param fields the Langfuse fields and parity helpers: service version, GenAI attributes, project id
 * @param wire the OTLP encoding of span requests (JSON or protobuf)
 */
public record TracerConfig(
    boolean enabled,
    EndpointSettings endpoint,
    TraceSettings trace,
    BatchSettings batching,
    RetrySettings retry,
    ContentSettings content,
    TransportSettings transport,
    LifecycleSettings lifecycle,
    TraceClock clock,
    @Nullable SpanExporter exporter,
    @Nullable ScoreExporter scoreExporter,
    MediaSettings media,
    SamplingSettings sampling,
    FieldSettings fields,
    WireSettings wire) {

  /** Whether the spans go to Langfuse over HTTP with keys, rather than elsewhere or nowhere. */
  public boolean exportsToLangfuse() {
    return endpoint.hasLangfuseKeys() && exporter == null;
  }

  @Override
  public String toString() {
    return "TracerConfig{enabled=" + enabled
        + ", " + endpoint
        + ", " + trace
        + ", " + batching
        + ", " + retry
        + ", " + lifecycle
        + ", scoreExporter=" + (scoreExporter == null ? "default" : scoreExporter.getClass().getSimpleName())
        + ", transport=" + transport
        + ", media=" + media
        + ", sampling=" + sampling
        + ", fields=" + fields
        + '}';
  }
}
