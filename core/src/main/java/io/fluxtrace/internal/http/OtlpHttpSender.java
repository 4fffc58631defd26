package io.fluxtrace.internal.http;

import io.fluxtrace.FailureReason;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.FluxtraceVersion;
import io.fluxtrace.internal.RateLimitedLog;
import io.fluxtrace.internal.SafeLogger;
import io.fluxtrace.internal.Secrets;
import io.fluxtrace.internal.TracerConfig;
import io.fluxtrace.internal.TracerMetrics;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.util.Logger;

/**
 * Posts OTLP/HTTP request bodies to the configured endpoint with reactor-netty, applying the {@link RetryPolicy}.
 * Non-blocking throughout: the backoff waits are timers on the given scheduler, never a sleeping thread.
 *
 * <p>Sends on an {@link HttpTransport} (its own event loop, pool, TLS trust and proxy), leased when built and
 * released by {@link #shutdown()}. Every request carries
 * {@code Content-Type: application/json}, {@code Content-Encoding: gzip} when compression is on, a
 * {@code User-Agent}, and the configured headers (which win over the defaults). A Langfuse endpoint also gets
 * Basic auth from the keys and the {@code x-langfuse-*} headers; a plain OTLP endpoint gets nothing else.
 *
 * <p>Counts retries ({@link TracerMetrics#retries}) and the body bytes of every request written out in full
 * ({@link TracerMetrics#bytesSent}). Delivered and failed spans are counted by whoever exports the batch.
 */
final class OtlpHttpSender {

  private static final String WRITE_TIMEOUT_HANDLER = "fluxtrace.writeTimeout";
  private static final int MAX_LOGGED_BODY_CHARS = 500;

  private final Logger log = SafeLogger.of(OtlpHttpSender.class);
  private final String endpointForLogs;
  private final @Nullable String publicKeyForLogs;
  /** The gzip level; see {@link FastGzip}. */
  static final int GZIP_LEVEL = 1;

  private final boolean gzip;
  private final RetryPolicy retry;
  private final TracerMetrics metrics;
  private final Scheduler timer;
  private final TraceClock clock;
  private final HttpTransport transport;
  private final boolean leased;
  private final Mono<HttpClient> client;
  private final URI endpoint;
  private final AtomicBoolean authFailureLogged = new AtomicBoolean();
  /**
   * One limiter per reason: a burst of one failure (an outage) must not hide the first of another (a 400, which
   * means a malformed export).
   */
  private final Map<FailureReason, RateLimitedLog> failureLogs = new EnumMap<>(FailureReason.class);
  private volatile boolean closed;

  /**
   * @param config where to send, with which keys, headers, timeout and compression
   * @param retry when to send again
   * @param metrics where retries and bytes are counted
   * @param timer the scheduler of the backoff waits; tests pass a virtual-time scheduler
   */
  OtlpHttpSender(TracerConfig config, RetryPolicy retry, TracerMetrics metrics, Scheduler timer) {
    this(config, retry, metrics, timer, HttpTransport.create(config));
  }

  /**
   * @param config where to send, with which keys, headers, timeout and compression
   * @param retry when to send again
   * @param metrics where retries and bytes are counted
   * @param timer the scheduler of the backoff waits; tests pass a virtual-time scheduler
   * @param transport the connections to send on, leased here and released by {@link #shutdown()}
   */
  OtlpHttpSender(TracerConfig config, RetryPolicy retry, TracerMetrics metrics, Scheduler timer,
      HttpTransport transport) {
    this.endpoint = config.endpoint();
    this.endpointForLogs = Secrets.redactUrl(config.endpoint());
    String publicKey = config.publicKey();
    this.publicKeyForLogs = config.langfuse() && publicKey != null ? Secrets.redactPublicKey(publicKey) : null;
    this.gzip = config.gzip();
    this.retry = retry;
    this.metrics = metrics;
    this.timer = timer;
    this.clock = config.clock();
    for (FailureReason reason : FailureReason.values()) {
      failureLogs.put(reason, new RateLimitedLog(log, Duration.ofMinutes(1)));
    }
    long timeoutMillis = Math.max(1, config.timeout().toMillis());
    this.transport = transport;
    this.leased = transport.lease();
    HttpHeaders fixedHeaders = requestHeaders(config);
    this.client = transport.client(c -> c
        .responseTimeout(config.timeout())
        .headers(h -> h.set(fixedHeaders))
        // The response timeout starts once the request is written; this bounds the writing itself, so a
        // server that stops reading cannot hold a request forever.
        .doOnRequest((request, connection) -> connection.addHandlerLast(
            WRITE_TIMEOUT_HANDLER, new WriteTimeoutHandler(timeoutMillis, TimeUnit.MILLISECONDS)))
        .doAfterRequest((request, connection) -> metrics.bytesSent.add(contentLength(request))))
        // One client per exporter, made once; the transport's is ready at once unless TLS is still being set up.
        .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
  }

  /** The headers of every request. Values stay in here: never log this object. */
  private static HttpHeaders requestHeaders(TracerConfig config) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    if (config.gzip()) {
      headers.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    }
    headers.set(HttpHeaderNames.USER_AGENT, LangfuseHeaders.USER_AGENT);
    String publicKey = config.publicKey();
    String secretKey = config.secretKey();
    if (config.langfuse() && publicKey != null && secretKey != null) {
      LangfuseHeaders.addAuthentication(headers, publicKey, secretKey);
      headers.set("x-langfuse-ingestion-version", "4");
    }
    for (Map.Entry<String, String> header : config.headers().entrySet()) {
      headers.set(header.getKey(), header.getValue());
    }
    return headers;
  }

  /** Writes a request body, gzip-compressed when compression is on. Runs on the caller's thread. */
  byte[] encode(BodyWriter writer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);
    if (gzip) {
      try (GZIPOutputStream out = new FastGzip(bytes)) {
        writer.writeTo(out);
      }
    } else {
      writer.writeTo(bytes);
    }
    return bytes.toByteArray();
  }

  /**
   * Posts {@code body} (as {@link #encode} made it), retrying as the policy allows. Never errors; the result
   * says whether the backend accepted the request and, if not, why.
   */
  Mono<SendResult> send(byte[] body) {
    return attempt(body, 1);
  }

  /**
   * Releases the transport (the last exporter to release it disposes its pool and event loop); requests after this
   * fail with {@link FailureReason#SHUTDOWN_DEADLINE}. Idempotent.
   */
  Mono<Void> shutdown() {
    return Mono.defer(() -> {
      if (closed) {
        return Mono.empty();
      }
      closed = true;
      return leased ? transport.release() : Mono.empty();
    });
  }

  private Mono<SendResult> attempt(byte[] body, int attempt) {
    return Mono.defer(() -> {
          if (closed || !leased) {
            return Mono.just(Answer.SHUT_DOWN);
          }
          if (attempt > 1) {
            metrics.retries.increment();
          }
          return post(body);
        })
        .flatMap(answer -> {
          if (answer == Answer.SHUT_DOWN) {
            return Mono.just(new SendResult(0, FailureReason.SHUTDOWN_DEADLINE, attempt - 1));
          }
          if (closed && answer.error() != null) {
            // The pool was disposed under the request: what failed is the shutdown, not the backend.
            return Mono.just(new SendResult(0, FailureReason.SHUTDOWN_DEADLINE, attempt));
          }
          Verdict verdict = answer.verdict();
          if (verdict == Verdict.DELIVERED) {
            return Mono.just(new SendResult(answer.status(), null, attempt));
          }
          boolean retryable = verdict == Verdict.RETRYABLE
              || (verdict == Verdict.TIMED_OUT && retry.retryTimedOutRequests());
          if (retryable && attempt < retry.maxAttempts()) {
            Duration delay = delayBeforeRetry(answer, attempt);
            if (log.isDebugEnabled()) {
              log.debug("fluxtrace: export attempt {} to {} failed ({}); retrying in {} ms", attempt,
                  endpointForLogs, answer.describe(), delay.toMillis());
            }
            return Mono.delay(delay, timer).then(attempt(body, attempt + 1));
          }
          FailureReason reason = verdict.reason;
          if (reason == null) {
            reason = FailureReason.INTERNAL_ERROR;
          }
          report(answer, reason, attempt);
          return Mono.just(new SendResult(answer.status(), reason, attempt));
        });
  }

  private Mono<Answer> post(byte[] body) {
    return transport.send(client, c -> c.post()
        .uri(endpoint)
        .send((request, outbound) -> {
          request.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
          return outbound.sendObject(Unpooled.wrappedBuffer(body));
        })
        .response((response, content) -> content.aggregate()
            .asString(StandardCharsets.UTF_8)
            // Once the status line is in, it decides: a body cut short does not change what the server said.
            .onErrorResume(e -> Mono.just(""))
            .defaultIfEmpty("")
            .map(text -> new Answer(response.status().code(),
                response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER), text, null)))
        .next()
        .switchIfEmpty(Mono.fromSupplier(() ->
            new Answer(0, null, "", new IllegalStateException("no response"))))
        .onErrorResume(error -> Mono.just(new Answer(0, null, "", error))),
        error -> new Answer(0, null, "", error));
  }

  private Duration delayBeforeRetry(Answer answer, int attempt) {
    if (answer.status() == 429 || answer.status() == 503) {
      long nowMillis = TimeUnit.NANOSECONDS.toMillis(clock.nowEpochNanos());
      Duration retryAfter = RetryAfter.parse(answer.retryAfter(), nowMillis);
      if (retryAfter != null) {
        return retry.capped(retryAfter);
      }
    }
    return retry.backoff(attempt, ThreadLocalRandom.current().nextDouble());
  }

  private void report(Answer answer, FailureReason reason, int attempts) {
    if (reason == FailureReason.UNAUTHORIZED) {
      if (authFailureLogged.compareAndSet(false, true)) {
        log.error(authFailureMessage(answer.status()));
      } else {
        log.debug("fluxtrace: export to {} refused again (HTTP {})", endpointForLogs, answer.status());
      }
      return;
    }
    if (reason == FailureReason.PAYLOAD_TOO_LARGE) {
      // The exporter splits the batch and reports a span that is too large on its own.
      log.debug("fluxtrace: export to {} too large (HTTP 413)", endpointForLogs);
      return;
    }
    String outcome;
    switch (reason) {
      case RETRIES_EXHAUSTED:
        outcome = "gave up after " + attempts + " attempts, the last one: " + answer.describe();
        break;
      case TIMEOUT:
        outcome = retry.retryTimedOutRequests()
            ? "no answer within the timeout after " + attempts + " attempts; the spans may have been stored"
            : "no answer within the timeout; the spans may have been stored, so they are not sent again"
                + " (Langfuse keeps a duplicate of every re-sent span; see retryTimedOutRequests)";
        break;
      default:
        outcome = answer.describe();
    }
    RateLimitedLog logs = failureLogs.get(reason);
    if (logs != null) {
      logs.warn("fluxtrace: export to {} failed ({}): {}", endpointForLogs, reason, outcome);
    }
  }

  private String authFailureMessage(int status) {
    String what = status == 403
        ? "refused the export (HTTP 403: no permission, or ingestion is suspended for the project)"
        : "rejected the credentials (HTTP 401)";
    if (publicKeyForLogs != null) {
      return "fluxtrace: Langfuse at " + endpointForLogs + " " + what + " for public key " + publicKeyForLogs
          + ". Check that LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY belong to the same project and that"
          + " LANGFUSE_BASE_URL points at that project's region or server. These spans are dropped and not"
          + " retried; further rejections are logged at debug level.";
    }
    return "fluxtrace: the OTLP endpoint " + endpointForLogs + " " + what + ". Check the authentication"
        + " headers configured with header(...). These spans are dropped and not retried; further rejections"
        + " are logged at debug level.";
  }

  private static long contentLength(HttpClientRequest request) {
    String value = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
    if (value == null) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public String toString() {
    return "OtlpHttpSender{" + endpointForLogs + '}';
  }

  /** Writes an uncompressed request body. */
  @FunctionalInterface
  interface BodyWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** What one attempt got: an HTTP answer, or the error that stopped it. */
  private record Answer(int status, @Nullable String retryAfter, String body, @Nullable Throwable error) {

    static final Answer SHUT_DOWN = new Answer(0, null, "", new IllegalStateException("exporter shut down"));

    Verdict verdict() {
      return error != null ? Verdict.ofError(error) : Verdict.ofStatus(status);
    }

    String describe() {
      if (error != null) {
        return error.getClass().getSimpleName() + (error.getMessage() != null ? ": " + error.getMessage() : "");
      }
      String text = body.length() > MAX_LOGGED_BODY_CHARS ? body.substring(0, MAX_LOGGED_BODY_CHARS) + "..." : body;
      return "HTTP " + status + (text.isBlank() ? "" : " " + text.strip());
    }
  }

  /**
   * gzip at level 1 ({@link #GZIP_LEVEL}). Chosen by measurement (benchmarks/RESULTS.md, {@code GzipLevelHarness}):
   * on a real body of 512 generation spans, level 1 compresses about 6 times faster than the JDK's default level 6
   * for a body about a fifth larger (ratio 3.9 instead of 5.0); compression runs on the export threads, which share
   * the application's cores, and is what bounds export throughput, so CPU counts more than the last fifth of bytes.
   */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 8192);
      def.setLevel(GZIP_LEVEL);
    }
  }
}
