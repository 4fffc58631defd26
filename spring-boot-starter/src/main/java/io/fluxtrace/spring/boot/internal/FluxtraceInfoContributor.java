package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.internal.util.FluxtraceVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * {@code /actuator/info}'s {@code fluxtrace} entry: the SDK version, whether tracing is on, the host traces go to
 * and the sample rate. Never a key, a header value, a path or a query.
 */
public final class FluxtraceInfoContributor implements InfoContributor {

  private final FluxTracer tracer;
  private final @Nullable String endpointHost;
  private final double sampleRate;

  public FluxtraceInfoContributor(FluxTracer tracer, @Nullable String endpointHost, double sampleRate) {
    this.tracer = tracer;
    this.endpointHost = endpointHost;
    this.sampleRate = sampleRate;
  }

  @Override
  public void contribute(Info.Builder builder) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("version", FluxtraceVersion.VERSION);
    info.put("enabled", tracer.isEnabled());
    if (endpointHost != null) {
      info.put("endpoint", endpointHost);
    }
    info.put("sampleRate", sampleRate);
    builder.withDetail("fluxtrace", info);
  }
}
