package io.fluxtrace.internal.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.FailureReason;
import io.fluxtrace.ScoreData;
import io.fluxtrace.TraceClock;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.config.TransportSettings;
import io.fluxtrace.internal.pipeline.ScoreMetrics;
import io.fluxtrace.internal.transport.HttpSender.Answer;
import io.fluxtrace.internal.transport.HttpSender;
import io.fluxtrace.internal.transport.HttpTransport;
import io.fluxtrace.internal.transport.RetryPolicy;
import io.fluxtrace.internal.transport.Verdict;
import io.fluxtrace.internal.util.FluxtraceVersion;
import io.fluxtrace.internal.util.SafeLogger;
import io.fluxtrace.internal.util.Uuids;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;

/**
 * Sends scores to Langfuse as {@code score-create} events of {@code POST {baseUrl}/api/public/ingestion}, with
 * Basic auth and the same {@code x-langfuse-sdk-*} and {@code x-langfuse-public-key} headers as span export, on the
 * same {@link HttpTransport} (event loop, pool, TLS trust, proxy).
 *
 * <p>Langfuse answers a processed batch with 207 and one outcome per event, keyed by the event id:
 *
 * <ul>
 *   <li>201: delivered;
 *   <li>429 or 5xx: sent again, those events only, after a backoff of the {@link RetryPolicy}, until the attempts
 *       run out ({@link FailureReason#RETRIES_EXHAUSTED});
 *   <li>400, 401, 403, 404 and any other status: final, counted by reason (400 {@link FailureReason#BAD_REQUEST},
 *       401/403 {@link FailureReason#UNAUTHORIZED}, others {@link FailureReason#OTHER_STATUS}) and logged with
 *       the server's message, at most once a minute per reason.
 * </ul>
 *
 * <p>A whole request answered 429 or 503 (honouring {@code Retry-After}), 502 or 504, or that failed to connect,
 * is sent again as the policy allows; so is one that timed out: unlike spans this is safe, because Langfuse
 * upserts a score by its id, so a score that did arrive is updated, not duplicated. Other whole-request answers
 * are final for every score of the request. A request is cut at {@value #MAX_REQUEST_BYTES} bytes, well under
 * the 3.5 MB the API documents; a 413 splits it in halves. Bodies are not compressed: the ingestion route does
 * not document gzip.
 */
public final class LangfuseScoreExporter implements ScoreExporter {

  /** Request bodies stay under this many bytes (the API documents 3.5 MB per batch). */
  public static final int MAX_REQUEST_BYTES = 2_500_000;
  /** The ingestion path below a Langfuse base URL. */
  public static final String INGESTION_PATH = "/api/public/ingestion";

  private static final Logger log = SafeLogger.of(LangfuseScoreExporter.class);
  /** The batch envelope around the events: brackets, separators and the metadata object. */
  private static final int ENVELOPE_BYTES = 256;

  private final String endpointForLogs;
  private final RetryPolicy retry;
  private final ScoreMetrics metrics;
  private final Scheduler timer;
  private final HttpSender sender;
  private final ScoreIngestionEncoder encoder =
      new ScoreIngestionEncoder(FluxtraceVersion.SDK_NAME, FluxtraceVersion.VERSION);
  private final ObjectMapper mapper = new ObjectMapper();

  /**
   * @param endpoint the ingestion URL
   * @param publicKey the Langfuse public key
   * @param secretKey the Langfuse secret key; it only ever goes into the Authorization header
   * @param extraHeaders headers added to every request (they win over the defaults)
   * @param timeout connect and response timeout of one request
   * @param retry when to send again; a timed-out request is, whatever the policy says (see the class comment)
   * @param metrics where retries are counted
   * @param timer the scheduler of the backoff waits; tests pass a virtual-time scheduler
   * @param clock the clock {@code Retry-After} dates are read against
   */
  LangfuseScoreExporter(URI endpoint, String publicKey, String secretKey, Map<String, String> extraHeaders,
      Duration timeout, RetryPolicy retry, ScoreMetrics metrics, Scheduler timer, TraceClock clock) {
    this(endpoint, publicKey, secretKey, extraHeaders, timeout, retry, metrics, timer, clock,
        new HttpTransport(endpoint, TransportSettings.defaults(), timeout, 2));
  }

  /**
   * As above, sending on {@code transport} (leased here, released by {@link #shutdown()}).
   */
  LangfuseScoreExporter(URI endpoint, String publicKey, String secretKey, Map<String, String> extraHeaders,
      Duration timeout, RetryPolicy retry, ScoreMetrics metrics, Scheduler timer, TraceClock clock,
      HttpTransport transport) {
    this.endpointForLogs = Secrets.redactUrl(endpoint);
    // A timed-out request is safe to send again: Langfuse upserts scores by id.
    this.retry = retry.withRetryTimedOutRequests(true);
    this.metrics = metrics;
    this.timer = timer;
    this.sender = new HttpSender(transport, endpoint, HttpSender.headers(false, publicKey, secretKey, extraHeaders),
        timeout, this.retry, clock, bytes -> {}, log);
  }

  /**
   * The Langfuse score exporter a tracer configuration asks for, or null when it has none: only a tracer at the
   * Langfuse endpoint, with both keys and no custom span exporter, sends scores to Langfuse.
   */
  public static @Nullable ScoreExporter create(TracerConfig config, ScoreMetrics metrics, HttpTransport transport) {
    String publicKey = config.publicKey();
    String secretKey = config.secretKey();
    if (!appliesTo(config) || publicKey == null || secretKey == null) {
      return null;
    }
    Scheduler timer = config.exportScheduler();
    return new LangfuseScoreExporter(ingestionEndpoint(config.endpoint()), publicKey, secretKey, config.headers(),
        config.timeout(), RetryPolicy.from(config), metrics, timer != null ? timer : Schedulers.parallel(),
        config.clock(), transport);
  }

  /** Whether a tracer with {@code config} sends scores to Langfuse: see {@link #create}. */
  public static boolean appliesTo(TracerConfig config) {
    return config.langfuse() && config.exporter() == null && config.publicKey() != null
        && config.secretKey() != null;
  }

  /** The ingestion URL beside a Langfuse OTLP traces URL: same scheme, host, port and base path. */
  public static URI ingestionEndpoint(URI otlpEndpoint) {
    String path = Objects.requireNonNullElse(otlpEndpoint.getRawPath(), "");
    int otel = path.lastIndexOf("/api/public/otel");
    return otlpEndpoint.resolve((otel >= 0 ? path.substring(0, otel) : "") + INGESTION_PATH);
  }

  @Override
  public Flux<ExportResult> export(List<ScoreData> batch) {
    return Flux.defer(() -> attempt(batch, 1));
  }

  /**
   * Releases the transport, which the last exporter to release it disposes (pool, then event loop); scores after
   * this fail with {@link FailureReason#SHUTDOWN_DEADLINE}. Idempotent.
   */
  @Override
  public Mono<Void> shutdown() {
    return sender.shutdown();
  }

  /** Sends {@code pending} in requests under the size limit, then retries what may be retried. */
  private Flux<ExportResult> attempt(List<ScoreData> pending, int attempt) {
    if (sender.isClosed()) {
      return Flux.just(ExportResult.failure(pending.size(), FailureReason.SHUTDOWN_DEADLINE));
    }
    Outcome tooLarge = new Outcome();
    List<List<Event>> requests = new ArrayList<>();
    List<Event> request = new ArrayList<>();
    long requestBytes = ENVELOPE_BYTES;
    for (ScoreData score : pending) {
      Event event = encode(score);
      if (event.json.length + ENVELOPE_BYTES > MAX_REQUEST_BYTES) {
        tooLarge.fail(FailureReason.PAYLOAD_TOO_LARGE, 1);
        warn(FailureReason.PAYLOAD_TOO_LARGE, "score '" + score.name() + "' (id " + score.id() + ") takes "
            + event.json.length + " bytes, more than an ingestion request may carry; not sent (lower"
            + " maxValueBytes or the score's metadata)");
        continue;
      }
      if (!request.isEmpty() && requestBytes + event.json.length + 1 > MAX_REQUEST_BYTES) {
        requests.add(request);
        request = new ArrayList<>();
        requestBytes = ENVELOPE_BYTES;
      }
      request.add(event);
      requestBytes += event.json.length + 1;
    }
    if (!request.isEmpty()) {
      requests.add(request);
    }
    return Flux.fromIterable(requests)
        .concatMap(this::send)
        .reduce(tooLarge, Outcome::plus)
        .flatMapMany(outcome -> settle(outcome, attempt));
  }

  private Flux<ExportResult> settle(Outcome outcome, int attempt) {
    Flux<ExportResult> settled = Flux.fromIterable(outcome.results());
    if (outcome.retry.isEmpty()) {
      return settled;
    }
    if (sender.isClosed()) {
      return settled.concatWithValues(
          ExportResult.failure(outcome.retry.size(), FailureReason.SHUTDOWN_DEADLINE));
    }
    if (attempt >= retry.maxAttempts()) {
      warn(FailureReason.RETRIES_EXHAUSTED, outcome.retry.size() + " scores not delivered after " + attempt
          + " attempts, the last answer: " + outcome.retryCause);
      return settled.concatWithValues(
          ExportResult.failure(outcome.retry.size(), FailureReason.RETRIES_EXHAUSTED));
    }
    Duration delay = sender.delayBeforeRetry(outcome.retryAfter, attempt);
    if (log.isDebugEnabled()) {
      log.debug("fluxtrace: {} scores to {} not delivered ({}); sending them again in {} ms", outcome.retry.size(),
          endpointForLogs, outcome.retryCause, delay.toMillis());
    }
    metrics.retries.add(outcome.retry.size());
    List<ScoreData> again = List.copyOf(outcome.retry);
    return settled.concatWith(Mono.delay(delay, timer).thenMany(Flux.defer(() -> attempt(again, attempt + 1))));
  }

  private Mono<Outcome> send(List<Event> events) {
    List<byte[]> jsons = new ArrayList<>(events.size());
    for (Event e : events) {
      jsons.add(e.json);
    }
    return sender.post(encoder.batch(jsons))
        .map(answer -> {
          Throwable error = answer.error();
          return error != null ? failedToSend(events, error) : answered(events, answer);
        })
        .flatMap(outcome -> outcome.split ? sendHalves(events) : Mono.just(outcome));
  }

  private Mono<Outcome> sendHalves(List<Event> events) {
    int half = events.size() / 2;
    List<Event> first = reencoded(events.subList(0, half));
    List<Event> second = reencoded(events.subList(half, events.size()));
    return send(first).flatMap(a -> send(second).map(a::plus));
  }

  /** A score as an event with a fresh envelope id: unique per request, while the score id (body.id) stays. */
  private Event encode(ScoreData score) {
    String eventId = Uuids.random();
    return new Event(score, eventId, encoder.event(score, eventId));
  }

  private List<Event> reencoded(List<Event> events) {
    List<Event> fresh = new ArrayList<>(events.size());
    for (Event e : events) {
      fresh.add(encode(e.score));
    }
    return fresh;
  }

  private Outcome answered(List<Event> events, Answer answer) {
    int status = answer.status();
    String body = answer.body();
    Outcome outcome = new Outcome();
    Verdict verdict = Verdict.ofStatus(status);
    if (verdict == Verdict.DELIVERED) {
      perEvent(events, status, body, outcome);
    } else if (verdict == Verdict.RETRYABLE) {
      outcome.retryAll(events, "HTTP " + status + text(body));
      outcome.retryAfter = sender.retryAfter(answer);
    } else if (verdict == Verdict.TOO_LARGE && events.size() > 1) {
      outcome.split = true;
    } else {
      FailureReason reason = Objects.requireNonNullElse(verdict.reason, FailureReason.OTHER_STATUS);
      outcome.fail(reason, events.size());
      if (reason == FailureReason.UNAUTHORIZED) {
        authFailure(status, text(body));
      } else {
        warn(reason, "Langfuse at " + endpointForLogs + " refused " + events.size() + " scores: HTTP " + status
            + text(body));
      }
    }
    return outcome;
  }

  /** Reads a 2xx answer's per-event results: {@code {"successes":[{id,status}],"errors":[{id,status,message,error}]}}. */
  private void perEvent(List<Event> events, int status, String body, Outcome outcome) {
    Map<String, Event> byEventId = new HashMap<>();
    for (Event e : events) {
      byEventId.put(e.eventId, e);
    }
    JsonNode answer;
    try {
      answer = mapper.readTree(body);
    } catch (Exception e) {
      answer = null;
    }
    if (answer == null || !answer.isObject()) {
      outcome.fail(FailureReason.OTHER_STATUS, events.size());
      warn(FailureReason.OTHER_STATUS, "Langfuse at " + endpointForLogs + " answered HTTP " + status + " to "
          + events.size() + " scores without a readable result per score; counted as failed");
      return;
    }
    for (JsonNode success : answer.path("successes")) {
      if (byEventId.remove(success.path("id").asText()) != null) {
        outcome.exported++;
      }
    }
    for (JsonNode error : answer.path("errors")) {
      Event event = byEventId.remove(error.path("id").asText());
      if (event == null) {
        continue;
      }
      int eventStatus = error.path("status").asInt(0);
      String message = serverMessage(error);
      if (eventStatus == 429 || eventStatus >= 500) {
        outcome.retry.add(event.score);
        outcome.retryCause = eventStatus + message + " for score " + event.score.id();
      } else {
        FailureReason reason = eventStatus == 400 ? FailureReason.BAD_REQUEST
            : eventStatus == 401 || eventStatus == 403 ? FailureReason.UNAUTHORIZED
            : FailureReason.OTHER_STATUS;
        outcome.fail(reason, 1);
        warn(reason, "Langfuse rejected score '" + event.score.name() + "' (id " + event.score.id() + "): "
            + eventStatus + message);
      }
    }
    if (!byEventId.isEmpty()) {
      outcome.fail(FailureReason.OTHER_STATUS, byEventId.size());
      warn(FailureReason.OTHER_STATUS, "Langfuse's answer named no result for " + byEventId.size()
          + " scores; counted as failed");
    }
  }

  private Outcome failedToSend(List<Event> events, Throwable error) {
    Outcome outcome = new Outcome();
    Verdict verdict = Verdict.ofError(error);
    String cause = error.getClass().getSimpleName() + (error.getMessage() != null ? ": " + error.getMessage() : "");
    // A timed-out request is safe to send again: Langfuse upserts scores by id.
    if (sender.retryable(verdict)) {
      outcome.retryAll(events, cause);
    } else {
      FailureReason reason = sender.isClosed() ? FailureReason.SHUTDOWN_DEADLINE : FailureReason.INTERNAL_ERROR;
      outcome.fail(reason, events.size());
      warn(reason, "could not send " + events.size() + " scores to " + endpointForLogs + ": " + cause);
    }
    return outcome;
  }

  private void authFailure(int status, String text) {
    sender.authFailure("fluxtrace: Langfuse at " + endpointForLogs + " refused scores with HTTP " + status + text
        + ". Check that LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY belong to the same project and that"
        + " LANGFUSE_BASE_URL points at that project's region or server. These scores are dropped and not retried;"
        + " further refusals are logged at debug level.",
        "fluxtrace: Langfuse at " + endpointForLogs + " refused scores again (HTTP " + status + ")");
  }

  private void warn(FailureReason reason, String message) {
    sender.warn(reason, "fluxtrace: {} ({})", message, reason);
  }

  /** The server's {@code message} and {@code error} of one event, shortened for a log line. */
  private static String serverMessage(JsonNode error) {
    StringBuilder text = new StringBuilder();
    JsonNode message = error.get("message");
    if (message != null && !message.isNull()) {
      text.append(' ').append(message.asText());
    }
    JsonNode detail = error.get("error");
    if (detail != null && !detail.isNull()) {
      text.append(text.length() == 0 ? " " : ": ").append(detail.isTextual() ? detail.asText() : detail.toString());
    }
    return Answer.shortened(text.toString());
  }

  private static String text(String body) {
    return body.isEmpty() ? "" : " " + Answer.shortened(body.strip());
  }

  @Override
  public String toString() {
    return "LangfuseScoreExporter{" + endpointForLogs + '}';
  }

  /** A score as one encoded event of one attempt. */
  private static final class Event {
    final ScoreData score;
    final String eventId;
    final byte[] json;

    Event(ScoreData score, String eventId, byte[] json) {
      this.score = score;
      this.eventId = eventId;
      this.json = json;
    }
  }

  /** What one attempt settled, and what it leaves for the next. Confined to one subscription. */
  private static final class Outcome {
    int exported;
    final EnumMap<FailureReason, Integer> failed = new EnumMap<>(FailureReason.class);
    final List<ScoreData> retry = new ArrayList<>();
    @Nullable Duration retryAfter;
    String retryCause = "";
    boolean split;

    void fail(FailureReason reason, int count) {
      failed.merge(reason, count, Integer::sum);
    }

    void retryAll(List<Event> events, String cause) {
      for (Event e : events) {
        retry.add(e.score);
      }
      retryCause = cause;
    }

    Outcome plus(Outcome other) {
      exported += other.exported;
      other.failed.forEach(this::fail);
      retry.addAll(other.retry);
      Duration otherAfter = other.retryAfter;
      Duration ownAfter = retryAfter;
      if (otherAfter != null && (ownAfter == null || otherAfter.compareTo(ownAfter) > 0)) {
        retryAfter = otherAfter;
      }
      if (!other.retryCause.isEmpty()) {
        retryCause = other.retryCause;
      }
      return this;
    }

    List<ExportResult> results() {
      List<ExportResult> results = new ArrayList<>();
      if (exported > 0) {
        results.add(ExportResult.success(exported));
      }
      failed.forEach((reason, count) -> results.add(ExportResult.failure(count, reason)));
      return results;
    }
  }
}
