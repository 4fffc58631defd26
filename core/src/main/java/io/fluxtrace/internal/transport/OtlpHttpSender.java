package io.fluxtrace.internal.transport;

import io.fluxtrace.FailureReason;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.config.EndpointSettings;
import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.WireSettings;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.transport.HttpSender.Answer;
import io.fluxtrace.internal.util.SafeLogger;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.Logger;

/**
 * Posts OTLP/HTTP request bodies to the configured endpoint with reactor-netty, applying the {@link RetryPolicy}.
 * Non-blocking throughout: the backoff waits are timers on the given scheduler, never a sleeping thread.
 *
 * <p>Sends through an {@link HttpSender} on an {@link HttpTransport} (its own event loop, pool, TLS trust and
 * proxy), leased when built and released by {@link #shutdown()}. Every request carries the wire's
 * {@code Content-Type} ({@code application/json} or {@code application/x-protobuf}), {@code Content-Encoding: gzip}
 * when compression is on, a
 * {@code User-Agent}, and the configured headers (which win over the defaults). A Langfuse endpoint also gets
 * Basic auth from the keys and the {@code x-langfuse-*} headers; a plain OTLP endpoint gets nothing else.
 *
 * <p>Counts retries ({@link TracerMetrics#retries}) and the body bytes of every request written out in full
 * ({@link TracerMetrics#bytesSent}). Delivered and failed spans are counted by whoever exports the batch.
 */
public final class OtlpHttpSender {

  private static final Answer SHUT_DOWN = new Answer(0, null, "", new IllegalStateException("exporter shut down"));

  /** The smallest and largest first size of a body's buffer. */
  private static final int MIN_BODY_BUFFER = 8192;
  private static final int MAX_BODY_BUFFER = 16 * 1024 * 1024;

  /** The gzip level; see {@link FastGzip}. */
  static final int GZIP_LEVEL = 1;

  private final Logger log = SafeLogger.of(OtlpHttpSender.class);
  private final String endpointForLogs;
  private final @Nullable String publicKeyForLogs;
  private final boolean gzip;
  private final RetryPolicy retry;
  private final TracerMetrics metrics;
  private final Scheduler timer;
  private final HttpSender sender;
  /**
   * The size of the last body written, uncompressed or compressed as sent: the next body's buffer starts at about
   * that size, since batches are alike, instead of growing by doubling (a copy of the body each time). Racy on
   * purpose: it is only a hint.
   */
  private volatile int lastBodyBytes = MIN_BODY_BUFFER;

  /**
   * @param endpoint where to send, with which keys, headers, timeout and compression
   * @param wire the encoding of the bodies, for their {@code Content-Type}
   * @param clock the clock that dates a server's {@code Retry-After}
   * @param retry when to send again
   * @param metrics where retries and bytes are counted
   * @param timer the scheduler of the backoff waits; tests pass a virtual-time scheduler
   * @param transport the connections to send on, leased here and released by {@link #shutdown()}
   */
  public OtlpHttpSender(EndpointSettings endpoint, WireSettings wire, TraceClock clock, RetryPolicy retry,
      TracerMetrics metrics, Scheduler timer, HttpTransport transport) {
    this.endpointForLogs = Secrets.redactUrl(endpoint.endpoint());
    String publicKey = endpoint.publicKey();
    this.publicKeyForLogs = endpoint.langfuse() && publicKey != null ? Secrets.redactPublicKey(publicKey) : null;
    this.gzip = endpoint.gzip();
    this.retry = retry;
    this.metrics = metrics;
    this.timer = timer;
    this.sender = new HttpSender(transport, endpoint.endpoint(), requestHeaders(endpoint, wire), endpoint.timeout(), retry,
        clock, metrics.bytesSent::add, log);
  }

  /** The headers of every request. Values stay in here: never log this object. */
  private static HttpHeaders requestHeaders(EndpointSettings config, WireSettings wire) {
    boolean langfuse = config.hasLangfuseKeys();
    Map<String, String> extra = new LinkedHashMap<>();
    if (langfuse) {
      extra.put("x-langfuse-ingestion-version", "4");
    }
    extra.put("Content-Type", wire.contentType());
    extra.putAll(config.headers());
    return HttpSender.headers(config.gzip(), langfuse ? config.publicKey() : null,
        langfuse ? config.secretKey() : null, extra);
  }

  /** Writes a request body, gzip-compressed when compression is on. Runs on the caller's thread. */
  public byte[] encode(BodyWriter writer) throws IOException {
    int last = lastBodyBytes;
    int sizeHint = Math.max(MIN_BODY_BUFFER, Math.min(MAX_BODY_BUFFER, last + (last >> 3)));
    if (!gzip) {
      byte[] body = writer.toByteArray(sizeHint);
      lastBodyBytes = body.length;
      return body;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(sizeHint);
    try (GZIPOutputStream out = new FastGzip(bytes)) {
      writer.writeTo(out);
    }
    lastBodyBytes = bytes.size();
    return bytes.toByteArray();
  }

  /**
   * Posts {@code body} (as {@link #encode} made it), retrying as the policy allows. Never errors; the result
   * says whether the backend accepted the request and, if not, why.
   */
  public Mono<SendResult> send(byte[] body) {
    return attempt(body, 1);
  }

  /**
   * Releases the transport (the last exporter to release it disposes its pool and event loop); requests after this
   * fail with {@link FailureReason#SHUTDOWN_DEADLINE}. Idempotent.
   */
  public Mono<Void> shutdown() {
    return sender.shutdown();
  }

  private Mono<SendResult> attempt(byte[] body, int attempt) {
    return Mono.defer(() -> {
          if (sender.isClosed()) {
            return Mono.just(SHUT_DOWN);
          }
          if (attempt > 1) {
            metrics.retries.increment();
          }
          return sender.post(body);
        })
        .flatMap(answer -> {
          if (answer == SHUT_DOWN) {
            return Mono.just(new SendResult(0, FailureReason.SHUTDOWN_DEADLINE, attempt - 1));
          }
          if (sender.isClosed() && answer.error() != null) {
            // The pool was disposed under the request: what failed is the shutdown, not the backend.
            return Mono.just(new SendResult(0, FailureReason.SHUTDOWN_DEADLINE, attempt));
          }
          Verdict verdict = answer.verdict();
          if (verdict == Verdict.DELIVERED) {
            return Mono.just(new SendResult(answer.status(), null, attempt));
          }
          if (sender.retryable(verdict) && attempt < retry.maxAttempts()) {
            Duration delay = sender.delayBeforeRetry(sender.retryAfter(answer), attempt);
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

  private void report(Answer answer, FailureReason reason, int attempts) {
    if (reason == FailureReason.UNAUTHORIZED) {
      sender.authFailure(authFailureMessage(answer.status()),
          "fluxtrace: export to " + endpointForLogs + " refused again (HTTP " + answer.status() + ")");
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
    sender.warn(reason, "fluxtrace: export to {} failed ({}): {}", endpointForLogs, reason, outcome);
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

  @Override
  public String toString() {
    return "OtlpHttpSender{" + endpointForLogs + '}';
  }

  /** Writes an uncompressed request body. */
  @FunctionalInterface
  public interface BodyWriter {
    /** Writes the body to {@code out}. */
    void writeTo(OutputStream out) throws IOException;

    /**
     * The body as one array of exactly its size: by default written into a buffer that starts at {@code sizeHint}
     * bytes; a writer that builds the body in an array of its own returns a copy of it instead.
     */
    default byte[] toByteArray(int sizeHint) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(sizeHint);
      writeTo(bytes);
      return bytes.toByteArray();
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
