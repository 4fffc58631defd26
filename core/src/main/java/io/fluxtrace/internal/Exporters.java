package io.fluxtrace.internal;

import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.export.OtlpHttpSpanExporter;
import io.fluxtrace.internal.pipeline.ScoreMetrics;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.score.LangfuseScoreExporter;
import io.fluxtrace.internal.transport.HttpTransport;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the exporters a configuration asks for. One per tracer: its HTTP exporters (spans and scores) share one
 * {@link HttpTransport}, made with the first of them; each leases it and releases it in its {@code shutdown()}.
 */
public final class Exporters {

  private final TracerConfig config;
  private @Nullable HttpTransport transport;

  /** The exporters of the tracer configured by {@code config}. */
  public Exporters(TracerConfig config) {
    this.config = config;
  }

  /** The configured custom exporter, or OTLP/HTTP JSON export to the configured endpoint. */
  public SpanExporter spanExporter(TracerMetrics metrics) {
    SpanExporter custom = config.exporter();
    if (custom != null) {
      return custom;
    }
    return OtlpHttpSpanExporter.create(config, metrics, transport());
  }

  /**
   * The configured custom score exporter, or Langfuse ingestion for a tracer that exports to Langfuse with keys;
   * null when there is neither (an OTLP endpoint or a custom span exporter without a score exporter).
   */
  public @Nullable ScoreExporter scoreExporter(ScoreMetrics metrics) {
    ScoreExporter custom = config.scoreExporter();
    if (custom != null) {
      return custom;
    }
    return LangfuseScoreExporter.appliesTo(config) ? LangfuseScoreExporter.create(config, metrics, transport()) : null;
  }

  private synchronized HttpTransport transport() {
    HttpTransport t = transport;
    if (t == null) {
      t = HttpTransport.create(config);
      transport = t;
    }
    return t;
  }
}
