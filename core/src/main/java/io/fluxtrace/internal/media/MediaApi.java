package io.fluxtrace.internal.media;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fluxtrace.FailureReason;
import io.fluxtrace.TraceClock;
import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.transport.HttpTransport;
import io.fluxtrace.internal.transport.LangfuseApiReader;
import io.fluxtrace.internal.transport.LangfuseHeaders;
import io.fluxtrace.internal.transport.RetryAfter;
import io.fluxtrace.internal.transport.RetryPolicy;
import io.fluxtrace.internal.transport.Verdict;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;

/**
 * The three requests of one media upload, on the tracer's one {@link HttpTransport}:
 *
 * <ol>
 *   <li>{@code POST {baseUrl}/api/public/media} with the trace and observation id, the field, the content type and
 *       length and the base64 SHA-256 of the bytes, which answers the media id and a presigned upload URL, or no
 *       URL when Langfuse already has these bytes (deduplicated: nothing more to do);
 *   <li>{@code PUT} of the bytes to that URL with their {@code Content-Type} and {@code x-amz-checksum-sha256}, and
 *       nothing of ours besides (the URL carries its own authorization, and storage refuses a second one);
 *   <li>{@code PATCH {baseUrl}/api/public/media/{mediaId}} with {@code uploadedAt}, {@code uploadHttpStatus},
 *       {@code uploadHttpError} and {@code uploadTimeMs}, also after a failed upload, so Langfuse knows the state.
 * </ol>
 *
 * <p>Each request is retried by the tracer's {@link RetryPolicy} on the {@link Verdict verdicts} span export retries
 * (429 and 503 honouring {@code Retry-After}, 502, 504, connection failures), and also after a timeout: unlike a
 * span export, all three are idempotent (the POST and PATCH upsert by hash and id; the PUT writes the same bytes to
 * the same key). The media is uploaded only when the PUT and the PATCH both succeed: Langfuse serves media only once
 * told its upload succeeded.
 */
final class MediaApi {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WRITE_TIMEOUT_HANDLER = "fluxtrace.mediaWriteTimeout";
  private static final int MAX_ERROR_CHARS = 300;

  private final HttpTransport transport;
  private final boolean leased;
  private final Mono<HttpClient> langfuse;
  private final Mono<HttpClient> storage;
  private final URI mediaUri;
  private final RetryPolicy retry;
  private final Scheduler timer;
  private final TraceClock clock;
  private final MediaMetrics metrics;
  private volatile boolean closed;

  MediaApi(TracerConfig config, HttpTransport transport, Scheduler timer, MediaMetrics metrics) {
    this.transport = transport;
    this.leased = transport.lease();
    this.retry = RetryPolicy.from(config.retry());
    this.timer = timer;
    this.clock = config.clock();
    this.metrics = metrics;
    this.mediaUri = LangfuseApiReader.baseUrl(config.endpoint().endpoint()).resolve("api/public/media");
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    headers.set(HttpHeaderNames.USER_AGENT, LangfuseHeaders.USER_AGENT);
    LangfuseHeaders.addAuthentication(headers, Objects.requireNonNull(config.endpoint().publicKey(), "publicKey"),
        Objects.requireNonNull(config.endpoint().secretKey(), "secretKey"));
    config.endpoint().headers().forEach(headers::set);
    Duration timeout = config.endpoint().timeout();
    long timeoutMillis = Math.max(1, timeout.toMillis());
    this.langfuse = transport.client(c -> c.responseTimeout(timeout).headers(h -> h.set(headers)))
        .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
    this.storage = transport.client(c -> c.responseTimeout(timeout)
            .headers(h -> h.set(HttpHeaderNames.USER_AGENT, LangfuseHeaders.USER_AGENT))
            // A large body to a slow store: bound the writing itself, as span export does.
            .doOnRequest((request, connection) -> connection.addHandlerLast(
                WRITE_TIMEOUT_HANDLER, new WriteTimeoutHandler(timeoutMillis, TimeUnit.MILLISECONDS))))
        .cache(c -> Duration.ofMillis(Long.MAX_VALUE), e -> Duration.ZERO, () -> Duration.ZERO);
  }

  /** Uploads {@code upload}'s media; never errors. */
  Mono<Outcome> upload(Upload upload) {
    MediaContent content = upload.content;
    ObjectNode body = JSON.createObjectNode()
        .put("traceId", upload.traceId)
        .put("observationId", upload.spanId)
        .put("contentType", content.contentType())
        .put("contentLength", content.length())
        .put("sha256Hash", content.sha256())
        .put("field", upload.field);
    return withRetries(() -> json(HttpMethod.POST, mediaUri, body))
        .flatMap(answer -> {
          if (answer.verdict() != Verdict.DELIVERED) {
            return Mono.just(Outcome.failed(reason(answer), "POST /api/public/media: " + answer.describe()));
          }
          String mediaId;
          String uploadUrl;
          try {
            JsonNode node = JSON.readTree(answer.body());
            mediaId = node.path("mediaId").textValue();
            JsonNode url = node.get("uploadUrl");
            uploadUrl = url == null || url.isNull() ? null : url.textValue();
          } catch (IOException e) {
            mediaId = null;
            uploadUrl = null;
          }
          if (mediaId == null || mediaId.isBlank()) {
            return Mono.just(Outcome.failed(FailureReason.OTHER_STATUS,
                "POST /api/public/media: an answer without mediaId"));
          }
          if (uploadUrl == null) {
            return Mono.just(Outcome.deduplicated(mediaId));
          }
          return put(upload, mediaId, uploadUrl);
        });
  }

  private Mono<Outcome> put(Upload upload, String mediaId, String uploadUrl) {
    URI target;
    try {
      target = URI.create(uploadUrl);
    } catch (IllegalArgumentException e) {
      return Mono.just(Outcome.failed(FailureReason.OTHER_STATUS, "POST /api/public/media: an invalid uploadUrl"));
    }
    long start = System.nanoTime();
    return withRetries(() -> send(storage, HttpMethod.PUT, target, upload.content))
        .flatMap(answer -> {
          long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          boolean stored = answer.verdict() == Verdict.DELIVERED;
          ObjectNode patch = JSON.createObjectNode()
              .put("uploadedAt", Instant.ofEpochMilli(TimeUnit.NANOSECONDS.toMillis(clock.nowEpochNanos())).toString())
              .put("uploadHttpStatus", answer.status() == 0 ? 500 : answer.status())
              .put("uploadTimeMs", millis);
          if (stored) {
            patch.putNull("uploadHttpError");
          } else {
            patch.put("uploadHttpError", answer.describe());
          }
          URI patchUri = mediaUri.resolve("media/" + mediaId);
          return withRetries(() -> json(HttpMethod.PATCH, patchUri, patch)).map(patched -> {
            if (!stored) {
              return Outcome.failed(reason(answer), "PUT of the bytes: " + answer.describe());
            }
            if (patched.verdict() != Verdict.DELIVERED) {
              return Outcome.failed(reason(patched), "PATCH /api/public/media/{id}: " + patched.describe());
            }
            return Outcome.uploaded(mediaId);
          });
        });
  }

  private static FailureReason reason(Answer answer) {
    if (answer == Answer.SHUT_DOWN) {
      return FailureReason.SHUTDOWN_DEADLINE;
    }
    FailureReason reason = answer.verdict().reason;
    return reason == null ? FailureReason.INTERNAL_ERROR : reason;
  }

  /** Releases the transport lease (the last holder disposes it). Idempotent. */
  Mono<Void> shutdown() {
    return Mono.defer(() -> {
      if (closed) {
        return Mono.empty();
      }
      closed = true;
      return leased ? transport.release() : Mono.empty();
    });
  }

  /** Sends until the answer is final: delivered, or a failure retrying will not fix, or out of attempts. */
  private Mono<Answer> withRetries(Supplier<Mono<Answer>> request) {
    return attempt(request, 1);
  }

  private Mono<Answer> attempt(Supplier<Mono<Answer>> request, int attempt) {
    return Mono.defer(() -> {
      if (closed || !leased) {
        return Mono.just(Answer.SHUT_DOWN);
      }
      if (attempt > 1) {
        metrics.retries.increment();
      }
      return request.get();
    }).flatMap(answer -> {
      Verdict verdict = answer.verdict();
      boolean retryable = verdict == Verdict.RETRYABLE || verdict == Verdict.TIMED_OUT;
      if (answer == Answer.SHUT_DOWN || !retryable || attempt >= retry.maxAttempts()) {
        return Mono.just(answer);
      }
      return Mono.delay(delayBeforeRetry(answer, attempt), timer).then(attempt(request, attempt + 1));
    });
  }

  private Duration delayBeforeRetry(Answer answer, int attempt) {
    if (answer.status() == 429 || answer.status() == 503) {
      Duration retryAfter = RetryAfter.parse(answer.retryAfter(),
          TimeUnit.NANOSECONDS.toMillis(clock.nowEpochNanos()));
      if (retryAfter != null) {
        return retry.capped(retryAfter);
      }
    }
    return retry.backoff(attempt, ThreadLocalRandom.current().nextDouble());
  }

  private Mono<Answer> json(HttpMethod method, URI uri, JsonNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      return Mono.just(new Answer(0, null, "", e));
    }
    return send(langfuse, method, uri, bytes, null, null);
  }

  private Mono<Answer> send(Mono<HttpClient> client, HttpMethod method, URI uri, MediaContent content) {
    byte[] bytes = content.bytes();
    if (bytes == null) {
      return Mono.just(new Answer(0, null, "", new IllegalStateException("media released before its upload")));
    }
    return send(client, method, uri, bytes, content.contentType(), content.sha256());
  }

  private Mono<Answer> send(Mono<HttpClient> client, HttpMethod method, URI uri, byte[] body,
      @Nullable String contentType, @Nullable String checksum) {
    return transport.send(client, c -> c
            .headers(h -> {
              h.set(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
              if (contentType != null) {
                h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
              }
              if (checksum != null) {
                h.set("x-amz-checksum-sha256", checksum);
              }
            })
            .request(method)
            .uri(uri)
            .send((request, outbound) -> outbound.sendObject(Unpooled.wrappedBuffer(body)))
            .response((response, content) -> content.aggregate()
                .asString(StandardCharsets.UTF_8)
                .onErrorResume(e -> Mono.just(""))
                .defaultIfEmpty("")
                .map(text -> new Answer(response.status().code(),
                    response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER), text, null)))
            .next()
            .switchIfEmpty(Mono.fromSupplier(() -> new Answer(0, null, "", new IllegalStateException("no response"))))
            .onErrorResume(error -> Mono.just(new Answer(0, null, "", error))),
        error -> new Answer(0, null, "", error));
  }

  @Override
  public String toString() {
    return "MediaApi{" + Secrets.redactUrl(mediaUri) + '}';
  }

  /** What one attempt got: an HTTP answer, or the error that stopped it. */
  record Answer(int status, @Nullable String retryAfter, String body, @Nullable Throwable error) {

    static final Answer SHUT_DOWN = new Answer(0, null, "", new IllegalStateException("tracer shut down"));

    Verdict verdict() {
      if (this == SHUT_DOWN) {
        return Verdict.INTERNAL;
      }
      return error != null ? Verdict.ofError(error) : Verdict.ofStatus(status);
    }

    String describe() {
      Throwable e = error;
      if (e != null) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
      }
      String text = body.strip();
      if (text.length() > MAX_ERROR_CHARS) {
        text = text.substring(0, MAX_ERROR_CHARS) + "...";
      }
      return "HTTP " + status + (text.isEmpty() ? "" : " " + text);
    }
  }
}
