package io.fluxtrace.internal.config;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How spans travel to the OTLP endpoint: OTLP/HTTP JSON ({@code application/json}) or OTLP/HTTP protobuf
 * ({@code application/x-protobuf}), named as the OpenTelemetry specification names them ({@code http/json},
 * {@code http/protobuf}) in {@code OTEL_EXPORTER_OTLP_PROTOCOL} and {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL}.
 *
 * @param protobuf whether spans are sent as protobuf
 */
public record WireSettings(boolean protobuf) {

  /** The OTel name of OTLP/HTTP JSON. */
  public static final String HTTP_JSON = "http/json";
  /** The OTel name of OTLP/HTTP protobuf. */
  public static final String HTTP_PROTOBUF = "http/protobuf";
  /**
   * The default: protobuf, which measured 1.2x JSON's export throughput with 0.6x its encoding CPU and bodies
   * about a third smaller (docs/performance.md); Langfuse and every OTLP/HTTP receiver accept both.
   */
  public static final WireSettings DEFAULT = new WireSettings(true);

  /**
   * The settings for a protocol name, or null when {@code protocol} is neither {@value #HTTP_JSON} nor
   * {@value #HTTP_PROTOBUF} (case and surrounding blanks ignored).
   */
  public static @Nullable WireSettings of(String protocol) {
    return switch (protocol.trim().toLowerCase(Locale.ROOT)) {
      case HTTP_JSON -> new WireSettings(false);
      case HTTP_PROTOBUF -> new WireSettings(true);
      default -> null;
    };
  }

  /**
   * The span wire: {@code otlpProtocol} (the builder's setting), else {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL},
   * else {@code OTEL_EXPORTER_OTLP_PROTOCOL}, else protobuf; a value that is neither name throws, naming its source.
   */
  public static WireSettings resolve(EnvironmentDefaults defaults, @Nullable String otlpProtocol) {
    String setting = "otlpProtocol";
    String value = otlpProtocol;
    if (value == null) {
      value = defaults.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
      setting = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
    }
    if (value == null) {
      value = defaults.get("OTEL_EXPORTER_OTLP_PROTOCOL");
      setting = "OTEL_EXPORTER_OTLP_PROTOCOL";
    }
    if (value == null) {
      return DEFAULT;
    }
    WireSettings wire = of(value);
    EndpointValidation.require(wire != null, setting, HTTP_PROTOBUF + " or " + HTTP_JSON, value);
    return java.util.Objects.requireNonNull(wire);
  }

  /** The request's {@code Content-Type}. */
  public String contentType() {
    return protobuf ? "application/x-protobuf" : "application/json";
  }
}
