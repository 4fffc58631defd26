package io.fluxtrace.internal.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where exports go and what every request to it carries: authentication, extra headers, compression and the
 * timeout. The keys are null for a plain OTLP endpoint; secrets are kept out of {@link #toString()}.
 *
 * @param endpoint the full URL that receives OTLP/HTTP JSON exports
 * @param langfuse whether the endpoint is Langfuse (Basic auth and the {@code x-langfuse-*} headers)
 * @param publicKey the Langfuse public key, or null
 * @param secretKey the Langfuse secret key, or null
 * @param headers extra request headers, whose values may be credentials
 * @param timeout connect and response timeout of one request
 * @param gzip whether request bodies are gzip-compressed
 */
public record EndpointSettings(
    URI endpoint,
    boolean langfuse,
    @Nullable String publicKey,
    @Nullable String secretKey,
    Map<String, String> headers,
    Duration timeout,
    boolean gzip) {

  public EndpointSettings {
    headers = Map.copyOf(headers);
  }

  /** Whether requests carry Langfuse's Basic auth: a Langfuse endpoint with both keys. */
  public boolean hasLangfuseKeys() {
    return langfuse && publicKey != null && secretKey != null;
  }

  @Override
  public String toString() {
    return "endpoint=" + Secrets.redactUrl(endpoint)
        + ", langfuse=" + langfuse
        + ", publicKey=" + (publicKey == null ? "none" : Secrets.redactPublicKey(publicKey))
        + ", secretKey=" + (secretKey == null ? "none" : "****")
        + ", headers=" + headers.keySet()
        + ", timeout=" + timeout
        + ", gzip=" + gzip;
  }
}
