package io.fluxtrace.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.FailureReason;
import io.fluxtrace.ScoreData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.ScoreExporter;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Sends scores to Langfuse as {@code score-create} events of {@code POST {baseUrl}/api/public/ingestion}, with
 * Basic auth and the {@code x-langfuse-*} SDK headers.
 *
 * <p>Langfuse answers a processed batch with 207 and one outcome per event, keyed by the event id:
 *
 * <ul>
 *   <li>201: delivered;
 *   <li>429 or 5xx: sent again, only those events, after a backoff, until the attempts run out
 *       ({@link FailureReason#RETRIES_EXHAUSTED});
 *   <li>400, 401, 403, 404 and any other status: final, counted by reason (400 {@link FailureReason#BAD_REQUEST},
 *       401/403 {@link FailureReason#UNAUTHORIZED}, others {@link FailureReason#OTHER_STATUS}) and logged with the
 *       server's message, at most once per reason and interval.
 * </ul>
 *
 * <p>A whole request answered 429 (honouring {@code Retry-After}), 502, 503 or 504, or that failed to connect or
 * timed out, is sent again. Unlike spans this is safe after a timeout: Langfuse upserts a score by its id, so a
 * score that did arrive is updated, not duplicated. A request is cut at {@value #MAX_REQUEST_BYTES} bytes, well
 * under the 3.5 MB the API documents; a 413 splits it in halves. Bodies are not compressed: the ingestion route
 * does not document gzip.
 */
public final class LangfuseScoreExporter implements ScoreExporter {

  /** Request bodies stay under this many bytes (the API documents 3.5 MB per batch). */
  public static final int MAX_REQUEST_BYTES = 2_500_000;
  /** The ingestion path below a Langfuse base URL. */
  public static final String INGESTION_PATH = "/api/public/ingestion";

  private static final Logger log = Loggers.getLogger(LangfuseScoreExporter.class);
  private static final int ENVELOPE_BYTES = 256;
  private static final int MAX_LOGGED_MESSAGE = 500;

  private final ConnectionProvider connections;
  private final HttpClient client;
  private final URI endpoint;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Scheduler timer;
  private final ScoreMetrics metrics;
  private final ScoreIngestionEncoder encoder = new ScoreIngestionEncoder();
  private final ObjectMapper mapper = new ObjectMapper();
  private final RateLimitedLogger warnings;

  /**
   * @param endpoint the full ingestion URL
   * @param publicKey the Langfuse public key
   * @param secretKey the Langfuse secret key, kept only inside the Authorization header
   * @param extraHeaders headers added to every request
   * @param timeout connect and response timeout of one request
   * @param maxAttempts attempts per score, the first included
   * @param initialBackoff the first backoff, doubled per attempt up to {@code maxBackoff}
   * @param maxBackoff the longest backoff, also the cap on {@code Retry-After}
   * @param timer the scheduler that times backoffs
   * @param metrics where retries are counted
   * @param warningInterval the shortest time between two warnings of one kind
   */
  public LangfuseScoreExporter(
      URI endpoint,
      String publicKey,
      String secretKey,
      Map<String, String> extraHeaders,
      Duration timeout,
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      Scheduler timer,
      ScoreMetrics metrics,
      Duration warningInterval) {
    this.endpoint = endpoint;
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.timer = timer;
    this.metrics = metrics;
    this.warnings = new RateLimitedLogger(log, warningInterval);
    String authorization = "Basic " + Base64.getEncoder()
        .encodeToString((publicKey + ":" + secretKey).getBytes(StandardCharsets.UTF_8));
    Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
    headers.put("x-langfuse-sdk-name", SdkInfo.NAME);
    headers.put("x-langfuse-sdk-version", SdkInfo.VERSION);
    headers.put("x-langfuse-public-key", publicKey);
    this.connections = ConnectionProvider.builder("fluxtrace-scores")
        .maxConnections(4)
        .maxIdleTime(Duration.ofSeconds(30))
        .build();
    this.client = HttpClient.create(connections)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
        .responseTimeout(timeout)
        .headers(h -> {
          headers.forEach(h::set);
          h.set(HttpHeaderNames.AUTHORIZATION, authorization);
          h.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        });
  }

  /** The ingestion URL below a Langfuse base URL (the OTLP endpoint's scheme, host and port). */
  public static URI ingestionEndpoint(URI otlpEndpoint) {
    String path = Objects.requireNonNullElse(otlpEndpoint.getRawPath(), "");
    int otel = path.lastIndexOf("/api/public/otel");
    String base = otel >= 0 ? path.substring(0, otel) : "";
    return otlpEndpoint.resolve(base + INGESTION_PATH);
  }

  @Override
  public Flux<ExportResult> export(List<ScoreData> batch) {
    return Flux.defer(() -> attempt(batch, 1));
  }

  @Override
  public Mono<Void> shutdown() {
    return connections.disposeLater();
  }

  private Flux<ExportResult> attempt(List<ScoreData> pending, int attempt) {
    Outcome outcome = new Outcome();
    List<List<Event>> requests = new ArrayList<>();
    List<Event> current = new ArrayList<>();
    long currentBytes = ENVELOPE_BYTES;
    for (ScoreData score : pending) {
      // A fresh envelope id per attempt: the id must be unique per request; the score id (body.id) stays.
      String eventId = Uuids.random();
      Event event = new Event(score, eventId, encoder.event(score, eventId));
      if (event.json.length + ENVELOPE_BYTES > MAX_REQUEST_BYTES) {
        outcome.fail(FailureReason.PAYLOAD_TOO_LARGE, 1);
        warnings.warn("too-large", "fluxtrace: score '" + score.name() + "' is " + event.json.length
            + " bytes, more than one ingestion request may carry; not sent. Lower maxValueBytes or the metadata.");
        continue;
      }
      if (!current.isEmpty() && currentBytes + event.json.length + 1 > MAX_REQUEST_BYTES) {
        requests.add(current);
        current = new ArrayList<>();
        currentBytes = ENVELOPE_BYTES;
      }
      current.add(event);
      currentBytes += event.json.length + 1;
    }
    if (!current.isEmpty()) {
      requests.add(current);
    }
    return Flux.fromIterable(requests)
        .concatMap(this::send)
        .reduce(outcome, Outcome::plus)
        .flatMapMany(o -> settle(o, attempt));
  }

  private Flux<ExportResult> settle(Outcome outcome, int attempt) {
    Flux<ExportResult> settled = Flux.fromIterable(outcome.results());
    if (outcome.retry.isEmpty()) {
      return settled;
    }
    if (attempt >= maxAttempts) {
      warnings.warn("exhausted", "fluxtrace: " + outcome.retry.size() + " scores not delivered after " + attempt
          + " attempts (" + outcome.retryCause + ")");
      return settled.concatWithValues(ExportResult.failure(outcome.retry.size(), FailureReason.RETRIES_EXHAUSTED));
    }
    metrics.retries.add(outcome.retry.size());
    Duration delay = backoff(attempt, outcome.retryAfter);
    List<ScoreData> again = List.copyOf(outcome.retry);
    return settled.concatWith(Mono.delay(delay, timer).thenMany(Flux.defer(() -> attempt(again, attempt + 1))));
  }

  /**
   * The wait before attempt {@code attempt + 1}: exponential with jitter (half to all of
   * {@code initialBackoff * 2^(attempt-1)}), at least the server's {@code Retry-After}, at most {@code maxBackoff}.
   */
  Duration backoff(int attempt, @Nullable Duration retryAfter) {
    long base = initialBackoff.toNanos() << Math.min(attempt - 1, 20);
    if (base <= 0 || base > maxBackoff.toNanos()) {
      base = maxBackoff.toNanos();
    }
    long jittered = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    if (retryAfter != null) {
      jittered = Math.max(jittered, retryAfter.toNanos());
    }
    return Duration.ofNanos(Math.min(jittered, maxBackoff.toNanos()));
  }

  private Mono<Outcome> send(List<Event> events) {
    List<byte[]> jsons = new ArrayList<>(events.size());
    for (Event e : events) {
      jsons.add(e.json);
    }
    byte[] body = encoder.batch(jsons);
    return client.post()
        .uri(endpoint)
        .send(ByteBufFlux.fromInbound(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body))))
        .responseSingle((response, content) -> content.asByteArray()
            .defaultIfEmpty(new byte[0])
            .map(bytes -> answered(events, response.status().code(), response.responseHeaders(), bytes)))
        .onErrorResume(t -> Mono.just(failedToSend(events, t)))
        .flatMap(outcome -> outcome.split ? sendHalves(events) : Mono.just(outcome));
  }

  private Mono<Outcome> sendHalves(List<Event> events) {
    int half = events.size() / 2;
    List<Event> first = List.copyOf(events.subList(0, half));
    List<Event> second = List.copyOf(events.subList(half, events.size()));
    return send(first).flatMap(a -> send(second).map(a::plus));
  }

  private Outcome answered(List<Event> events, int status, HttpHeaders headers, byte[] body) {
    Outcome outcome = new Outcome();
    if (status >= 200 && status < 300) {
      perEvent(events, status, body, outcome);
    } else if (status == 429 || status == 502 || status == 503 || status == 504) {
      outcome.retryAll(events, "HTTP " + status);
      outcome.retryAfter = retryAfter(headers.get(HttpHeaderNames.RETRY_AFTER));
      warnings.warn("status-" + status, "fluxtrace: Langfuse answered " + status + " to " + events.size()
          + " scores; sending them again");
    } else if (status == 413 && events.size() > 1) {
      outcome.split = true;
    } else {
      FailureReason reason = reasonFor(status);
      outcome.fail(reason, events.size());
      String message = "fluxtrace: Langfuse refused " + events.size() + " scores with HTTP " + status
          + serverMessage(body)
          + (reason == FailureReason.UNAUTHORIZED ? ". Check LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and"
              + " LANGFUSE_BASE_URL: the keys must be a project's keys for this server" : "");
      warnings.warn("status-" + status, message);
    }
    return outcome;
  }

  private void perEvent(List<Event> events, int status, byte[] body, Outcome outcome) {
    Map<String, Event> byId = new HashMap<>();
    for (Event e : events) {
      byId.put(e.eventId, e);
    }
    JsonNode answer;
    try {
      answer = mapper.readTree(body);
    } catch (Exception e) {
      answer = null;
    }
    if (answer == null || !answer.isObject()) {
      outcome.fail(FailureReason.OTHER_STATUS, events.size());
      warnings.warn("unreadable", "fluxtrace: Langfuse answered " + status + " to " + events.size()
          + " scores without a readable per-score result; counted as failed");
      return;
    }
    for (JsonNode success : answer.path("successes")) {
      if (byId.remove(success.path("id").asText()) != null) {
        outcome.exported++;
      }
    }
    for (JsonNode error : answer.path("errors")) {
      Event event = byId.remove(error.path("id").asText());
      if (event == null) {
        continue;
      }
      int eventStatus = error.path("status").asInt(0);
      String message = eventMessage(error);
      if (eventStatus == 429 || eventStatus >= 500) {
        outcome.retry.add(event.score);
        outcome.retryCause = "last answer " + eventStatus + message;
        warnings.warn("event-" + eventStatus, "fluxtrace: Langfuse answered " + eventStatus + " to score '"
            + event.score.name() + "' (id " + event.score.id() + ")" + message + "; sending it again");
      } else {
        FailureReason reason = reasonFor(eventStatus);
        outcome.fail(reason, 1);
        warnings.warn("event-" + eventStatus, "fluxtrace: Langfuse rejected score '" + event.score.name()
            + "' (id " + event.score.id() + ") with " + eventStatus + message);
      }
    }
    if (!byId.isEmpty()) {
      outcome.fail(FailureReason.OTHER_STATUS, byId.size());
      warnings.warn("unanswered", "fluxtrace: Langfuse's answer named no result for " + byId.size()
          + " scores; counted as failed");
    }
  }

  private Outcome failedToSend(List<Event> events, Throwable t) {
    Outcome outcome = new Outcome();
    outcome.retryAll(events, t.getClass().getSimpleName());
    warnings.warn("io", "fluxtrace: could not send " + events.size() + " scores to " + endpoint + ": " + t
        + "; sending them again");
    return outcome;
  }

  private static FailureReason reasonFor(int status) {
    if (status == 400) {
      return FailureReason.BAD_REQUEST;
    }
    if (status == 401 || status == 403) {
      return FailureReason.UNAUTHORIZED;
    }
    if (status == 413) {
      return FailureReason.PAYLOAD_TOO_LARGE;
    }
    return FailureReason.OTHER_STATUS;
  }

  private static String eventMessage(JsonNode error) {
    StringBuilder sb = new StringBuilder();
    JsonNode message = error.get("message");
    if (message != null && !message.isNull()) {
      sb.append(": ").append(message.asText());
    }
    JsonNode detail = error.get("error");
    if (detail != null && !detail.isNull()) {
      sb.append(sb.length() == 0 ? ": " : " - ").append(detail.isTextual() ? detail.asText() : detail.toString());
    }
    return sb.length() > MAX_LOGGED_MESSAGE ? sb.substring(0, MAX_LOGGED_MESSAGE) + "..." : sb.toString();
  }

  private static String serverMessage(byte[] body) {
    if (body.length == 0) {
      return "";
    }
    String text = new String(body, 0, Math.min(body.length, MAX_LOGGED_MESSAGE), StandardCharsets.UTF_8);
    return ": " + text + (body.length > MAX_LOGGED_MESSAGE ? "..." : "");
  }

  /** {@code Retry-After} in seconds; the HTTP-date form is ignored (the backoff applies instead). */
  static @Nullable Duration retryAfter(@Nullable String header) {
    if (header == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(header.trim());
      return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "LangfuseScoreExporter{" + endpoint + '}';
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
      if (other.retryAfter != null && (retryAfter == null || other.retryAfter.compareTo(retryAfter) > 0)) {
        retryAfter = other.retryAfter;
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
