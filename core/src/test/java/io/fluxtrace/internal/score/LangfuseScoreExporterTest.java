package io.fluxtrace.internal.score;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fluxtrace.FailureReason;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ScoreData;
import io.fluxtrace.ScoreDataType;
import io.fluxtrace.TestConfigs;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.internal.Exporters;
import io.fluxtrace.internal.pipeline.ScoreMetrics;
import io.fluxtrace.testing.RecordingTimer;
import io.fluxtrace.internal.transport.RetryPolicy;
import io.fluxtrace.internal.util.FluxtraceVersion;
import io.fluxtrace.testing.LangfuseIngestion;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Langfuse score exporter against a loopback ingestion endpoint. Every request body is checked against the
 * official OpenAPI schemas after each test; backoffs run in virtual time and are checked exactly.
 */
class LangfuseScoreExporterTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PUBLIC_KEY = "pk-lf-1234567890";
  private static final String SECRET_KEY = "sk-lf-topsecret-0987";
  private static final RetryPolicy RETRY =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(5), 2.0, 0.0, false);

  private final OtlpReceiver receiver = OtlpReceiver.start().respondWith(LangfuseIngestion::allSucceeded);
  private final AtomicInteger calls = new AtomicInteger();
  private final RecordingTimer timer = new RecordingTimer();
  private final ScoreMetrics metrics = new ScoreMetrics();
  private final List<LangfuseScoreExporter> exporters = new ArrayList<>();

  @AfterEach
  void everyRequestConformsToTheSpec() {
    try {
      assertThat(LangfuseIngestion.violations(receiver.requests())).isEmpty();
    } finally {
      exporters.forEach(e -> e.shutdown().block(Duration.ofSeconds(5)));
      receiver.close();
    }
  }

  @Test
  void deliversABatchWithBasicAuthAndTheSdkHeaders() {
    List<ScoreData> batch = scores(3);

    Tally tally = run(exporter(endpoint(), Duration.ofSeconds(5)), batch);

    assertThat(tally.exported).isEqualTo(3);
    assertThat(tally.failed).isEmpty();
    assertThat(receiver.requests()).hasSize(1);
    ReceivedRequest request = receiver.requests().get(0);
    assertThat(request.header("authorization")).isEqualTo("Basic " + Base64.getEncoder()
        .encodeToString((PUBLIC_KEY + ":" + SECRET_KEY).getBytes(StandardCharsets.UTF_8)));
    assertThat(request.header("content-type")).isEqualTo("application/json");
    assertThat(request.header("x-langfuse-sdk-name")).isEqualTo(FluxtraceVersion.SDK_NAME);
    assertThat(request.header("x-langfuse-sdk-version")).isEqualTo(FluxtraceVersion.VERSION);
    assertThat(request.header("x-langfuse-public-key")).isEqualTo(PUBLIC_KEY);
    assertThat(request.header("x-team")).isEqualTo("blue");
    assertThat(request.header("content-encoding")).isNull();
    assertThat(request.header("x-langfuse-ingestion-version")).isNull();
    assertThat(LangfuseIngestion.scoreIds(request)).containsExactly(ids(batch));
    assertThat(metrics.retries.sum()).isZero();
  }

  @Test
  void a207WithMixedResultsCountsEachScoreByItsOwnStatusAndResendsOnlyThe429And5xxOnes() {
    List<ScoreData> batch = scores(6);
    Map<String, Integer> firstAnswer = Map.of(batch.get(0).id(), 201, batch.get(1).id(), 400,
        batch.get(2).id(), 401, batch.get(3).id(), 404, batch.get(4).id(), 429, batch.get(5).id(), 500);
    receiver.respondWith(request -> calls.getAndIncrement() == 0
        ? LangfuseIngestion.perEvent(request, firstAnswer::get)
        : LangfuseIngestion.allSucceeded(request));

    LangfuseScoreExporter exporter = exporter(endpoint(), Duration.ofSeconds(5));
    CompletableFuture<List<ExportResult>> results = exporter.export(batch).collectList().toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofMillis(100));
    timer.advance(Duration.ofMillis(100));
    Tally tally = Tally.of(results);

    assertThat(tally.exported).isEqualTo(3);
    assertThat(tally.failed).containsOnly(
        Map.entry(FailureReason.BAD_REQUEST, 1),
        Map.entry(FailureReason.UNAUTHORIZED, 1),
        Map.entry(FailureReason.OTHER_STATUS, 1));
    assertThat(tally.total()).isEqualTo(batch.size());
    List<ReceivedRequest> requests = receiver.requests();
    assertThat(requests).hasSize(2);
    assertThat(LangfuseIngestion.scoreIds(requests.get(1))).containsExactly(batch.get(4).id(), batch.get(5).id());
    assertThat(LangfuseIngestion.eventIds(requests.get(1)))
        .doesNotContainAnyElementsOf(LangfuseIngestion.eventIds(requests.get(0)));
    assertThat(metrics.retries.sum()).isEqualTo(2);
    assertThat(timer.pendingDelays()).isZero();
  }

  @Test
  void retryableScoresStillRefusedWhenTheAttemptsRunOutAreCountedAsRetriesExhausted() {
    List<ScoreData> batch = scores(3);
    String stubborn = batch.get(1).id();
    receiver.respondWith(request -> LangfuseIngestion.perEvent(request, id -> id.equals(stubborn) ? 503 : 201));

    CompletableFuture<List<ExportResult>> results =
        exporter(endpoint(), Duration.ofSeconds(5)).export(batch).collectList().toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofMillis(100));
    timer.advance(Duration.ofMillis(100));
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofMillis(200));
    timer.advance(Duration.ofMillis(200));
    Tally tally = Tally.of(results);

    assertThat(tally.exported).isEqualTo(2);
    assertThat(tally.failed).containsOnly(Map.entry(FailureReason.RETRIES_EXHAUSTED, 1));
    assertThat(receiver.requests()).hasSize(3);
    assertThat(LangfuseIngestion.scoreIds(receiver.requests().get(2))).containsExactly(stubborn);
    assertThat(metrics.retries.sum()).isEqualTo(2);
  }

  @Test
  void aWholeRequestAnswered503IsSentAgainAfterRetryAfter() {
    List<ScoreData> batch = scores(4);
    receiver.enqueue(Reply.retryAfter(503, "2"));

    CompletableFuture<List<ExportResult>> results =
        exporter(endpoint(), Duration.ofSeconds(5)).export(batch).collectList().toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofSeconds(2));
    timer.advance(Duration.ofSeconds(2));
    Tally tally = Tally.of(results);

    assertThat(tally.exported).isEqualTo(4);
    assertThat(tally.failed).isEmpty();
    assertThat(receiver.requests()).hasSize(2);
    assertThat(LangfuseIngestion.scoreIds(receiver.requests().get(1)))
        .containsExactlyElementsOf(LangfuseIngestion.scoreIds(receiver.requests().get(0)));
    assertThat(metrics.retries.sum()).isEqualTo(4);
  }

  @Test
  void aWholeRequestAnswered429WaitsRetryAfterCappedByMaxBackoff() {
    receiver.enqueue(Reply.retryAfterSeconds(3600));

    CompletableFuture<List<ExportResult>> results =
        exporter(endpoint(), Duration.ofSeconds(5)).export(scores(1)).collectList().toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(RETRY.maxBackoff());
    timer.advance(RETRY.maxBackoff());

    assertThat(Tally.of(results).exported).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {502, 504})
  void aWholeRequestAnsweredWithAGatewayErrorIsSentAgainWithBackoff(int status) {
    receiver.enqueue(Reply.status(status));

    CompletableFuture<List<ExportResult>> results =
        exporter(endpoint(), Duration.ofSeconds(5)).export(scores(2)).collectList().toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofMillis(100));
    timer.advance(Duration.ofMillis(100));

    assertThat(Tally.of(results).exported).isEqualTo(2);
    assertThat(receiver.requests()).hasSize(2);
  }

  @ParameterizedTest
  @CsvSource({"400, BAD_REQUEST", "401, UNAUTHORIZED", "403, UNAUTHORIZED", "404, OTHER_STATUS",
      "500, OTHER_STATUS"})
  void otherWholeRequestAnswersAreFinalForEveryScore(int status, FailureReason reason) {
    receiver.respondWith(request -> Reply.status(status));

    Tally tally = run(exporter(endpoint(), Duration.ofSeconds(5)), scores(3));

    assertThat(tally.exported).isZero();
    assertThat(tally.failed).containsOnly(Map.entry(reason, 3));
    assertThat(receiver.requests()).hasSize(1);
    assertThat(timer.pendingDelays()).isZero();
  }

  @Test
  void aRefusedConnectionIsRetriedUntilTheAttemptsRunOut() {
    receiver.stop();

    CompletableFuture<List<ExportResult>> results =
        exporter(endpoint(), Duration.ofSeconds(5)).export(scores(2)).collectList().toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofMillis(100));
    timer.advance(Duration.ofMillis(100));
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofMillis(200));
    timer.advance(Duration.ofMillis(200));
    Tally tally = Tally.of(results);

    assertThat(tally.failed).containsOnly(Map.entry(FailureReason.RETRIES_EXHAUSTED, 2));
    assertThat(metrics.retries.sum()).isEqualTo(4);
  }

  @Test
  void aTimedOutRequestIsSentAgainBecauseScoresAreUpsertedById() {
    receiver.enqueue(Reply.status(207, "{\"successes\":[],\"errors\":[]}").after(Duration.ofSeconds(5)));
    List<ScoreData> batch = scores(2);

    CompletableFuture<List<ExportResult>> results =
        exporter(endpoint(), Duration.ofMillis(300)).export(batch).collectList().toFuture();
    assertThat(timer.awaitDelay()).isEqualTo(Duration.ofMillis(100));
    timer.advance(Duration.ofMillis(100));

    assertThat(Tally.of(results).exported).isEqualTo(2);
    assertThat(LangfuseIngestion.scoreIds(receiver.requests().get(1))).containsExactly(ids(batch));
  }

  @Test
  void a413SplitsTheRequestUntilThePartsFit() {
    receiver.respondWith(request -> LangfuseIngestion.events(request).size() > 2
        ? Reply.status(413)
        : LangfuseIngestion.allSucceeded(request));
    List<ScoreData> batch = scores(5);

    Tally tally = run(exporter(endpoint(), Duration.ofSeconds(5)), batch);

    assertThat(tally.exported).isEqualTo(5);
    List<Integer> sizes = new ArrayList<>();
    receiver.requests().forEach(r -> sizes.add(LangfuseIngestion.events(r).size()));
    assertThat(sizes).containsExactly(5, 2, 3, 1, 2);
    assertThat(metrics.retries.sum()).isZero();
  }

  @Test
  void scoresWithoutAResultInTheAnswerAreCountedAsFailed() {
    List<ScoreData> batch = scores(3);
    String answered = batch.get(0).id();
    receiver.respondWith(request ->
        Reply.status(207, "{\"successes\":[" + successFor(request, answered) + "],\"errors\":[]}"));

    Tally tally = run(exporter(endpoint(), Duration.ofSeconds(5)), batch);

    assertThat(tally.exported).isEqualTo(1);
    assertThat(tally.failed).containsOnly(Map.entry(FailureReason.OTHER_STATUS, 2));
  }

  @Test
  void anUnreadableSuccessAnswerCountsEveryScoreAsFailed() {
    receiver.respondWith(request -> Reply.status(200, "<html>ok</html>"));

    Tally tally = run(exporter(endpoint(), Duration.ofSeconds(5)), scores(2));

    assertThat(tally.failed).containsOnly(Map.entry(FailureReason.OTHER_STATUS, 2));
  }

  @Test
  void cutsRequestsUnderTheSizeLimitAndRefusesAScoreThatCannotFitAlone() {
    String bigComment = "c".repeat(900_000);
    List<ScoreData> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      batch.add(score("big-" + i, bigComment));
    }
    batch.add(score("huge", "h".repeat(LangfuseScoreExporter.MAX_REQUEST_BYTES)));

    Tally tally = run(exporter(endpoint(), Duration.ofSeconds(5)), batch);

    assertThat(tally.exported).isEqualTo(5);
    assertThat(tally.failed).containsOnly(Map.entry(FailureReason.PAYLOAD_TOO_LARGE, 1));
    assertThat(receiver.requests()).hasSizeGreaterThanOrEqualTo(3)
        .allSatisfy(r -> assertThat(r.body().length).isLessThanOrEqualTo(LangfuseScoreExporter.MAX_REQUEST_BYTES));
    assertThat(receiver.requests()).flatMap(LangfuseIngestion::scoreIds).doesNotContain("huge");
  }

  @Test
  void afterShutdownScoresFailAsShutdownDeadline() {
    LangfuseScoreExporter exporter = exporter(endpoint(), Duration.ofSeconds(5));
    exporter.shutdown().block(Duration.ofSeconds(5));

    Tally tally = run(exporter, scores(2));

    assertThat(tally.failed).containsOnly(Map.entry(FailureReason.SHUTDOWN_DEADLINE, 2));
    assertThat(receiver.requests()).isEmpty();
  }

  @Test
  void keepsTheSecretKeyOutOfItsDescription() {
    assertThat(exporter(endpoint(), Duration.ofSeconds(5)).toString())
        .contains("/api/public/ingestion")
        .doesNotContain(SECRET_KEY, PUBLIC_KEY);
  }

  @Test
  void theIngestionEndpointSitsBesideTheOtlpEndpoint() {
    assertThat(LangfuseScoreExporter.ingestionEndpoint(URI.create("https://cloud.langfuse.com/api/public/otel/v1/traces")))
        .isEqualTo(URI.create("https://cloud.langfuse.com/api/public/ingestion"));
    assertThat(LangfuseScoreExporter.ingestionEndpoint(URI.create("https://example.org:8443/lf/api/public/otel/v1/traces")))
        .isEqualTo(URI.create("https://example.org:8443/lf/api/public/ingestion"));
  }

  @Test
  void onlyATracerThatExportsToLangfuseWithKeysSendsScoresToLangfuse() {
    Map<String, String> keys = Map.of("LANGFUSE_PUBLIC_KEY", PUBLIC_KEY, "LANGFUSE_SECRET_KEY", SECRET_KEY);

    ScoreExporter langfuse = new Exporters(TestConfigs.config(FluxTracer.builder(keys))).scoreExporter(metrics);
    assertThat(langfuse)
        .isInstanceOf(LangfuseScoreExporter.class)
        .hasToString("LangfuseScoreExporter{https://cloud.langfuse.com/api/public/ingestion}");
    Objects.requireNonNull(langfuse).shutdown().block(Duration.ofSeconds(10));
    assertThat(new Exporters(TestConfigs.config(FluxTracer.builder(keys)
        .otlpEndpoint("http://localhost:4318/v1/traces"))).scoreExporter(metrics)).isNull();
    assertThat(new Exporters(TestConfigs.config(FluxTracer.builder(keys)
        .exporter(InMemorySpanExporter.create()))).scoreExporter(metrics)).isNull();
    assertThat(new Exporters(TestConfigs.config(FluxTracer.builder(Map.of()))).scoreExporter(metrics)).isNull();
  }

  private URI endpoint() {
    return URI.create(receiver.url(LangfuseIngestion.PATH));
  }

  private LangfuseScoreExporter exporter(URI endpoint, Duration timeout) {
    LangfuseScoreExporter exporter = new LangfuseScoreExporter(endpoint, PUBLIC_KEY, SECRET_KEY,
        Map.of("x-team", "blue"), timeout, RETRY, metrics, timer, () -> TimeUnit.MILLISECONDS.toNanos(1_000));
    exporters.add(exporter);
    return exporter;
  }

  private static Tally run(LangfuseScoreExporter exporter, List<ScoreData> batch) {
    return Tally.of(exporter.export(batch).collectList().toFuture());
  }

  private static List<ScoreData> scores(int count) {
    List<ScoreData> scores = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      scores.add(score("score-" + i, "comment " + i));
    }
    return scores;
  }

  private static ScoreData score(String id, String comment) {
    return new ScoreData(id, 1_700_000_000_000_000_000L, "quality", ScoreDataType.NUMERIC, 0.5, null, TRACE, null,
        null, comment, "{\"judge\":\"test\"}", null, "test");
  }

  private static String[] ids(List<ScoreData> scores) {
    return scores.stream().map(ScoreData::id).toArray(String[]::new);
  }

  private static String successFor(ReceivedRequest request, String scoreId) {
    for (JsonNode event : LangfuseIngestion.events(request)) {
      if (event.path("body").path("id").asText().equals(scoreId)) {
        return "{\"id\":\"" + event.path("id").asText() + "\",\"status\":201}";
      }
    }
    throw new IllegalArgumentException(scoreId);
  }

  /** The results of one export, added up. */
  private static final class Tally {
    int exported;
    final Map<FailureReason, Integer> failed = new EnumMap<>(FailureReason.class);

    static Tally of(CompletableFuture<List<ExportResult>> results) {
      Tally tally = new Tally();
      List<ExportResult> list = results.orTimeout(10, TimeUnit.SECONDS).join();
      for (ExportResult r : list) {
        tally.exported += r.exported();
        FailureReason reason = r.failureReason();
        if (reason != null) {
          tally.failed.merge(reason, r.failed(), Integer::sum);
        }
      }
      return tally;
    }

    int total() {
      int total = exported;
      for (int n : failed.values()) {
        total += n;
      }
      return total;
    }
  }
}
