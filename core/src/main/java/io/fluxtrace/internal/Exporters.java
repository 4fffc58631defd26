package io.fluxtrace.internal;

import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.http.OtlpHttpSpanExporter;

/** Chooses the exporter a configuration asks for. */
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
}
