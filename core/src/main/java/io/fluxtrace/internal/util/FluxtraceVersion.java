package io.fluxtrace.internal.util;

import java.io.InputStream;
import java.util.Properties;

/** The version of fluxtrace, as built: sent as {@code telemetry.sdk.version} and in SDK headers. */
public final class FluxtraceVersion {

  /** The SDK name fluxtrace reports: {@code telemetry.sdk.name}, {@code x-langfuse-sdk-name}, User-Agent. */
  public static final String SDK_NAME = "fluxtrace-java";

  /** The version of this build, or {@code "unknown"} if the build did not record it. */
  public static final String VERSION = read();

  private FluxtraceVersion() {}

  private static String read() {
    try (InputStream in = FluxtraceVersion.class.getResourceAsStream("fluxtrace.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version");
      return version == null || version.isBlank() || version.startsWith("${") ? "unknown" : version.trim();
    } catch (Exception e) {
      return "unknown";
    }
  }
}
