package io.fluxtrace.internal.transport;

import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TracerConfig;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Reads Langfuse's public API ({@code GET {baseUrl}/api/public/...}) with the tracer's configuration: the same
 * base URL, keys, authentication and attribution headers, extra headers and timeout as span and score export.
 * For fluxtrace's own modules (the experiment runner reads datasets with it); internal, no compatibility promise.
 *
 * <p>Answers the status and body of one request, whatever the status: deciding what a 404 or a 401 means, and
 * whether to try again, is the caller's business. Non-blocking; owns a small connection pool released by
 * {@link #close()}.
 */
public final class LangfuseApiReader implements AutoCloseable {

  private final URI baseUrl;
  private final String baseUrlForMessages;
  private final ConnectionProvider provider;
  private final HttpClient client;

  private LangfuseApiReader(URI baseUrl, String publicKey, String secretKey, TracerConfig config) {
    this.baseUrl = baseUrl;
    this.baseUrlForMessages = Secrets.redactUrl(baseUrl);
    Duration timeout = config.timeout();
    this.provider = ConnectionProvider.builder("fluxtrace-api")
        .maxConnections(2)
        .pendingAcquireTimeout(timeout)
        .maxIdleTime(Duration.ofSeconds(20))
        .build();
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.ACCEPT, "application/json");
    headers.set(HttpHeaderNames.USER_AGENT, LangfuseHeaders.USER_AGENT);
    LangfuseHeaders.addAuthentication(headers, publicKey, secretKey);
    config.headers().forEach(headers::set);
    this.client = HttpClient.create(provider)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
        .responseTimeout(timeout)
        .disableRetry(true)
        .headers(h -> h.set(headers));
  }

  /**
   * A reader for a tracer that exports to Langfuse with keys, or null for any other configuration (disabled, a
   * plain OTLP endpoint, a custom exporter, no keys), which has no Langfuse API to read.
   */
  public static @Nullable LangfuseApiReader create(TracerConfig config) {
    String publicKey = config.publicKey();
    String secretKey = config.secretKey();
    if (!config.enabled() || !config.langfuse() || config.exporter() != null || publicKey == null
        || secretKey == null) {
      return null;
    }
    return new LangfuseApiReader(baseUrl(config.endpoint()), publicKey, secretKey, config);
  }

  /** The Langfuse base URL beside an OTLP traces URL: same scheme, host, port and base path. */
  public static URI baseUrl(URI otlpEndpoint) {
    String path = Objects.requireNonNullElse(otlpEndpoint.getRawPath(), "");
    int otel = path.lastIndexOf("/api/public/otel");
    return otlpEndpoint.resolve(otel >= 0 ? path.substring(0, otel) + "/" : "/");
  }

  /** The base URL, for links; without credentials or query. */
  public String baseUrlForLinks() {
    String text = baseUrlForMessages;
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  /**
   * {@code GET} of {@code pathAndQuery} below the base URL (for example
   * {@code api/public/v2/datasets/my-set}; the caller encodes path segments and query values). Emits the
   * status and body of the answer; errors only when no answer came (connection failure, timeout).
   */
  public Mono<Response> get(String pathAndQuery) {
    String relative = pathAndQuery.startsWith("/") ? pathAndQuery.substring(1) : pathAndQuery;
    String uri = baseUrl.resolve(relative).toString();
    return client.get()
        .uri(uri)
        .responseSingle((response, body) -> body.asByteArray()
            .defaultIfEmpty(new byte[0])
            .map(bytes -> new Response(response.status().code(), bytes)));
  }

  /** Releases the connection pool. Idempotent. */
  @Override
  public void close() {
    provider.disposeLater().subscribe(null, e -> { });
  }

  @Override
  public String toString() {
    return "LangfuseApiReader{" + baseUrlForMessages + '}';
  }

  /**
   * One answer.
   *
   * @param status the HTTP status
   * @param body the body, empty when there was none
   */
  public record Response(int status, byte[] body) {}
}
