package io.fluxtrace.internal.transport;

import io.fluxtrace.internal.util.FluxtraceVersion;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The headers every request to Langfuse carries, for spans and scores alike. */
public final class LangfuseHeaders {

  /** The User-Agent of every request fluxtrace sends. */
  public static final String USER_AGENT = FluxtraceVersion.SDK_NAME + "/" + FluxtraceVersion.VERSION;

  private LangfuseHeaders() {}

  /**
   * Adds Basic authentication and the SDK attribution headers. The values include the secret key: never log
   * {@code headers}.
   */
  public static void addAuthentication(HttpHeaders headers, String publicKey, String secretKey) {
    String credentials = publicKey + ":" + secretKey;
    headers.set(HttpHeaderNames.AUTHORIZATION,
        "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    headers.set("x-langfuse-sdk-name", FluxtraceVersion.SDK_NAME);
    headers.set("x-langfuse-sdk-version", FluxtraceVersion.VERSION);
    headers.set("x-langfuse-public-key", publicKey);
  }
}
