package io.fluxtrace.internal.transport;

import io.fluxtrace.FailureReason;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.util.Logger;

/**
 * What span and score export both do over HTTP, written once: a client on the shared {@link HttpTransport}
 * (leased here, released by {@link #shutdown()}) with the fixed headers, the response timeout and a write
 * timeout; one POST with {@code Content-Length}; the {@link Verdict} of its answer; the wait before the next
 * attempt ({@code Retry-After} on 429 and 503, else the {@link RetryPolicy}'s backoff); whether a verdict may be
 * retried (a timed-out request only when the caller's policy says so); and the failure logs, at most once a
 * minute per reason, with the authentication failure logged once as an error and then at debug level. The
 * callers keep what differs: what a body is, and what an answer means for their items.
 */
public final class HttpSender {

  private static final String WRITE_TIMEOUT_HANDLER = "fluxtrace.writeTimeout";
  private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);

  private final URI endpoint;
  private final RetryPolicy retry;
  private final TraceClock clock;
  private final HttpTransport transport;
  private final boolean leased;
  private final Mono<HttpClient> client;
  private final Logger log;
  private final AtomicBoolean authFailureLogged = new AtomicBoolean();
  /**
   * One limiter per reason: a burst of one failure (an outage) must not hide the first of another (a 400, which
   * means a malformed export).
   */
  private final Map<FailureReason, RateLimitedLog> failureLogs = new EnumMap<>(FailureReason.class);
  private volatile boolean closed;

  /**
   * @param transport the connections to send on, leased here and released by {@link #shutdown()}
   * @param endpoint where every request goes
   * @param fixedHeaders the headers of every request (see {@link #headers}); never logged
   * @param timeout the response timeout, and the bound on writing one request
   * @param retry when to send again, and whether a timed-out request may be
   * @param clock the clock {@code Retry-After} dates are read against
   * @param bytesSent told the body bytes of every request written out in full
   * @param log where the failures of the caller are logged
   */
  public HttpSender(HttpTransport transport, URI endpoint, HttpHeaders fixedHeaders, Duration timeout,
      RetryPolicy retry, TraceClock clock, LongConsumer bytesSent, Logger log) {
    this.endpoint = endpoint;
    this.retry = retry;
    this.clock = clock;
    this.log = log;
    for (FailureReason reason : FailureReason.values()) {
      failureLogs.put(reason, new RateLimitedLog(log, WARNING_INTERVAL));
    }
    long timeoutMillis = Math.max(1, timeout.toMillis());
    this.transport = transport;
    this.leased = transport.lease();
    this.closed = !leased;
    this.client = transport.client(c -> c
        .responseTimeout(timeout)
        .headers(h -> h.set(fixedHeaders))
        // The response timeout starts once the request is written; this bounds the writing itself, so a
        // server that stops reading cannot hold a request forever.
        .doOnRequest((request, connection) -> connection.addHandlerLast(
            WRITE_TIMEOUT_HANDLER, new WriteTimeoutHandler(timeoutMillis, TimeUnit.MILLISECONDS)))
        .doAfterRequest((request, connection) -> bytesSent.accept(contentLength(request))))
        // One client per sender, made once; the transport's is ready at once unless TLS is still being set up.
        .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
  }

  /**
   * The fixed headers of a JSON POST: {@code Content-Type}, {@code Content-Encoding: gzip} when {@code gzip},
   * the User-Agent, Basic auth when both keys are given, then {@code extra} (which wins over the defaults).
   * Values stay in here: never log the result.
   */
  public static HttpHeaders headers(boolean gzip, @Nullable String publicKey, @Nullable String secretKey,
      Map<String, String> extra) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    if (gzip) {
      headers.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
    }
    headers.set(HttpHeaderNames.USER_AGENT, LangfuseHeaders.USER_AGENT);
    if (publicKey != null && secretKey != null) {
      LangfuseHeaders.addAuthentication(headers, publicKey, secretKey);
    }
    for (Map.Entry<String, String> header : extra.entrySet()) {
      headers.set(header.getKey(), header.getValue());
    }
    return headers;
  }

  /** Whether {@link #shutdown()} ran, or the transport could not be leased. */
  public boolean isClosed() {
    return closed;
  }

  /** The retry policy the caller gave. */
  public RetryPolicy retry() {
    return retry;
  }

  /** One POST of {@code body}. Never errors: a failure to send is an answer with an error. */
  public Mono<Answer> post(byte[] body) {
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

  /** Whether an answer with {@code verdict} may be sent again: a timed-out one only if the policy says so. */
  public boolean retryable(Verdict verdict) {
    return verdict == Verdict.RETRYABLE || (verdict == Verdict.TIMED_OUT && retry.retryTimedOutRequests());
  }

  /**
   * The wait before attempt {@code attempt + 1}: the server's {@code Retry-After} (see {@link #retryAfter}),
   * capped by the policy, else the policy's backoff.
   */
  public Duration delayBeforeRetry(@Nullable Duration retryAfter, int attempt) {
    return retryAfter != null
        ? retry.capped(retryAfter)
        : retry.backoff(attempt, ThreadLocalRandom.current().nextDouble());
  }

  /** The server's {@code Retry-After} of a 429 or 503, or null. */
  public @Nullable Duration retryAfter(Answer answer) {
    if (answer.status() != 429 && answer.status() != 503) {
      return null;
    }
    return RetryAfter.parse(answer.retryAfter(), TimeUnit.NANOSECONDS.toMillis(clock.nowEpochNanos()));
  }

  /** Logs a failure for {@code reason}, at most once a minute per reason. */
  public void warn(FailureReason reason, String format, Object... arguments) {
    RateLimitedLog limiter = failureLogs.get(reason);
    if (limiter != null) {
      limiter.warn(format, arguments);
    }
  }

  /**
   * Logs a refused authentication: {@code firstTime} as an error the first time, {@code again} at debug level
   * after that (the same keys keep failing, and the error said what to check).
   */
  public void authFailure(String firstTime, String again) {
    if (authFailureLogged.compareAndSet(false, true)) {
      log.error(firstTime);
    } else {
      log.debug(again);
    }
  }

  /**
   * Releases the transport (the last sender to release it disposes its pool and event loop); requests after this
   * fail with {@link FailureReason#SHUTDOWN_DEADLINE}. Idempotent.
   */
  public Mono<Void> shutdown() {
    return Mono.defer(() -> {
      if (closed) {
        return Mono.empty();
      }
      closed = true;
      return leased ? transport.release() : Mono.empty();
    });
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

  /**
   * What one attempt got: an HTTP answer, or the error that stopped it.
   *
   * @param retryAfter the {@code Retry-After} header, or null
   * @param body the response body as text, empty if none
   */
  public record Answer(int status, @Nullable String retryAfter, String body, @Nullable Throwable error) {

    private static final int MAX_LOGGED_BODY_CHARS = 500;

    /** The verdict on this answer. */
    public Verdict verdict() {
      Throwable e = error;
      return e != null ? Verdict.ofError(e) : Verdict.ofStatus(status);
    }

    /** The error's class and message, or the status and the start of the body, for a log line. */
    public String describe() {
      Throwable e = error;
      if (e != null) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
      }
      String text = shortened(body);
      return "HTTP " + status + (text.isBlank() ? "" : " " + text.strip());
    }

    /** {@code text} cut to what a log line shows. */
    public static String shortened(String text) {
      return text.length() > MAX_LOGGED_BODY_CHARS ? text.substring(0, MAX_LOGGED_BODY_CHARS) + "..." : text;
    }
  }
}
