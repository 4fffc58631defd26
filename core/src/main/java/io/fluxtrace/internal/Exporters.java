package io.fluxtrace.internal;

import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.http.LangfuseScoreExporter;
import io.fluxtrace.internal.http.OtlpHttpSpanExporter;
import org.jspecify.annotations.Nullable;

/** Chooses the exporters a configuration asks for. */
public final class Exporters {

  private Exporters() {}

  /** The configured custom exporter, or OTLP/HTTP JSON export to the configured endpoint. */
  public static SpanExporter create(TracerConfig config, TracerMetrics metrics) {
    SpanExporter custom = config.exporter();
    if (custom != null) {
      return custom;
    }
    return OtlpHttpSpanExporter.create(config, metrics);
  }

  /**
   * The configured custom score exporter, or Langfuse ingestion for a tracer that exports to Langfuse with keys;
   * null when there is neither (an OTLP endpoint or a custom span exporter without a score exporter).
   */
  public static @Nullable ScoreExporter createScoreExporter(TracerConfig config, ScoreMetrics metrics) {
    ScoreExporter custom = config.scoreExporter();
    if (custom != null) {
      return custom;
    }
    return LangfuseScoreExporter.create(config, metrics);
  }
}
