package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Faults of the backend, seen from a real tracer: spans are ended on Reactor's non-blocking threads (BlockHound fails
 * any blocking call there), go through the real pipeline, encoder and HTTP exporter, and reach a loopback
 * {@link OtlpReceiver} that injects the fault. Every case checks the exact accounting
 * ({@code spansEnded == exported + failed + dropped}), that attempts per batch stay within
 * {@code maxExportAttempts} and are all counted (receiver requests against {@code stats().retries()}), and that
 * export recovers once the fault clears.
 *
 * <p>Batches are cut by flush only (a long flush interval, a large flushAt), so each round is exactly one batch.
 */
@Timeout(60)
class TracerFaultMatrixTest {

  private static final String PUBLIC_KEY = "pk-lf-fault-0123456789";
  private static final String SECRET_KEY = "sk-lf-fault-9876543210";
  private static final int MAX_ATTEMPTS = 3;
  private static final int SPANS = 10;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final OtlpReceiver receiver = OtlpReceiver.start();
  private final List<FluxTracer> tracers = new ArrayList<>();

  @AfterEach
  void close() {
    tracers.forEach(FluxTracer::close);
    receiver.close();
  }

  private FluxTracer tracer(UnaryOperator<FluxTracerBuilder> settings) {
    FluxTracer tracer = settings.apply(FluxTracer.builder(Map.of())
            .publicKey(PUBLIC_KEY)
            .secretKey(SECRET_KEY)
            .baseUrl(receiver.baseUrl())
            .shutdownHook(false)
            .flushAt(1000)
            .flushInterval(Duration.ofMinutes(1))
            .timeout(Duration.ofSeconds(5))
            .initialBackoff(Duration.ofMillis(20))
            .maxBackoff(Duration.ofMillis(100))
            .maxExportAttempts(MAX_ATTEMPTS))
        .build();
    tracers.add(tracer);
    return tracer;
  }

  /** Ends {@code count} spans named {@code prefix + i} on Reactor's parallel (non-blocking) threads. */
  static List<String> endSpans(FluxTracer tracer, String prefix, int count) {
    List<String> names = IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
    Flux.fromIterable(names)
        .parallel(2)
        .runOn(Schedulers.parallel())
        .doOnNext(name -> tracer.startSpan(name, ObservationType.SPAN, null, TraceAttributes.EMPTY)
            .input("input of " + name).end())
        .sequential()
        .blockLast(WAIT);
    return names;
  }

  /** Ends {@code count} spans and flushes them: one batch. */
  private static TracerStats round(FluxTracer tracer, String prefix, int count) {
    endSpans(tracer, prefix, count);
    FlushResult result = tracer.flushBlocking(WAIT);
    assertThat(result.completed()).as("flush completed").isTrue();
    return result.stats();
  }

  static List<String> spanNames(ReceivedRequest request) {
    return OtlpJson.spans(request.traces()).stream()
        .map(io.opentelemetry.proto.trace.v1.Span::getName).toList();
  }

  /** Every ended span has exactly one outcome, nothing is left in the pipeline, and no outcome is a bug of ours. */
  static void assertAccountedFor(TracerStats stats) {
    assertThat(stats.spansEnded()).as("ended == exported + failed + dropped: %s", stats)
        .isEqualTo(stats.exported() + stats.failed() + stats.dropped());
    assertThat(stats.queuedSpans()).isZero();
    assertThat(stats.queuedBytes()).isZero();
    assertThat(stats.failed(FailureReason.INTERNAL_ERROR)).isZero();
  }

  /**
   * Attempts are bounded and counted: at most {@code maxExportAttempts} per batch, and every request the receiver
   * saw is a first attempt or a counted retry (refused connections never reach it, hence at most).
   */
  private static void assertNoRetryStorm(TracerStats stats, int requests) {
    assertThat(stats.retries()).isLessThanOrEqualTo(stats.batches() * (MAX_ATTEMPTS - 1));
    assertThat((long) requests).isLessThanOrEqualTo(stats.batches() + stats.retries());
  }

  static Stream<Arguments> faults() {
    Reply[] exhausting502 = {Reply.status(502), Reply.status(502), Reply.status(502)};
    Reply[] exhausting503 = {Reply.status(503), Reply.status(503), Reply.status(503)};
    Reply[] exhausting504 = {Reply.status(504), Reply.status(504), Reply.status(504)};
    Reply[] exhaustingResets = {Reply.resetConnection(), Reply.resetConnection(), Reply.resetConnection()};
    return Stream.of(
        Arguments.of("500 is not retried", new Reply[] {Reply.status(500)}, FailureReason.OTHER_STATUS, 1),
        Arguments.of("502 once, then delivered", new Reply[] {Reply.status(502)}, null, 2),
        Arguments.of("503 once, then delivered", new Reply[] {Reply.status(503)}, null, 2),
        Arguments.of("504 once, then delivered", new Reply[] {Reply.status(504)}, null, 2),
        Arguments.of("502 twice, then delivered", new Reply[] {Reply.status(502), Reply.status(502)}, null, 3),
        Arguments.of("502 outlasting the attempts", exhausting502, FailureReason.RETRIES_EXHAUSTED, MAX_ATTEMPTS),
        Arguments.of("503 outlasting the attempts", exhausting503, FailureReason.RETRIES_EXHAUSTED, MAX_ATTEMPTS),
        Arguments.of("504 outlasting the attempts", exhausting504, FailureReason.RETRIES_EXHAUSTED, MAX_ATTEMPTS),
        Arguments.of("429 without Retry-After", new Reply[] {Reply.status(429)}, null, 2),
        Arguments.of("400 for the whole export", new Reply[] {Reply.status(400)}, FailureReason.BAD_REQUEST, 1),
        Arguments.of("401", new Reply[] {Reply.status(401)}, FailureReason.UNAUTHORIZED, 1),
        Arguments.of("403", new Reply[] {Reply.status(403)}, FailureReason.UNAUTHORIZED, 1),
        Arguments.of("404", new Reply[] {Reply.status(404)}, FailureReason.OTHER_STATUS, 1),
        Arguments.of("reset before the answer", new Reply[] {Reply.resetConnection()}, null, 2),
        Arguments.of("closed before the answer", new Reply[] {Reply.closeConnection()}, null, 2),
        Arguments.of("resets outlasting the attempts", exhaustingResets, FailureReason.RETRIES_EXHAUSTED,
            MAX_ATTEMPTS),
        Arguments.of("503 cut off mid-response", new Reply[] {Reply.cutOffAfterHeaders(503)}, null, 2),
        Arguments.of("200 cut off mid-response", new Reply[] {Reply.cutOffAfterHeaders(200)}, null, 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("faults")
  void everyFaultIsAccountedForBoundedAndRecoveredFrom(String fault, Reply[] script, @Nullable FailureReason reason,
      int requests) {
    receiver.enqueue(script);
    FluxTracer tracer = tracer(b -> b);

    TracerStats faulted = round(tracer, "faulted-", SPANS);

    if (reason == null) {
      assertThat(faulted.exported()).isEqualTo(SPANS);
      assertThat(faulted.failed()).isZero();
    } else {
      assertThat(faulted.failed(reason)).isEqualTo(SPANS);
      assertThat(faulted.exported()).isZero();
    }
    assertThat(faulted.batches()).isEqualTo(1);
    assertThat(receiver.requestCount()).isEqualTo(requests);
    assertThat(faulted.retries()).isEqualTo(requests - 1);
    assertAccountedFor(faulted);

    List<String> later = endSpans(tracer, "recovered-", SPANS);
    TracerStats recovered = tracer.flushBlocking(WAIT).stats();

    assertThat(recovered.exported()).isEqualTo(faulted.exported() + SPANS);
    assertThat(recovered.failed()).isEqualTo(faulted.failed());
    assertThat(recovered.retries()).isEqualTo(faulted.retries());
    List<ReceivedRequest> received = receiver.requests();
    assertThat(received).hasSize(requests + 1);
    assertThat(spanNames(received.get(requests))).containsExactlyInAnyOrderElementsOf(later);
    assertAccountedFor(recovered);
    assertThat((long) received.size()).isEqualTo(recovered.batches() + recovered.retries());
    assertNoRetryStorm(recovered, received.size());
  }

  @Test
  void retryAfterInSecondsIsWaitedFor() {
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    AtomicInteger count = new AtomicInteger();
    receiver.respondWith(request -> {
      arrivals.add(System.nanoTime());
      return count.getAndIncrement() == 0 ? Reply.retryAfterSeconds(1) : Reply.ok();
    });
    FluxTracer tracer = tracer(b -> b.maxBackoff(Duration.ofSeconds(5)));

    TracerStats stats = round(tracer, "throttled-", SPANS);

    assertThat(stats.exported()).isEqualTo(SPANS);
    assertThat(stats.retries()).isEqualTo(1);
    assertThat(arrivals).hasSize(2);
    // The backoff alone would have waited about 20 ms.
    assertThat(Duration.ofNanos(arrivals.get(1) - arrivals.get(0))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertAccountedFor(stats);
  }

  @Test
  void retryAfterAsAnHttpDateIsWaitedFor() {
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    AtomicInteger count = new AtomicInteger();
    receiver.respondWith(request -> {
      arrivals.add(System.nanoTime());
      // Whole seconds on the wire: two seconds from now is at least one second away once truncated.
      return count.getAndIncrement() == 0
          ? Reply.retryAfterDate(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2))
          : Reply.ok();
    });
    FluxTracer tracer = tracer(b -> b.maxBackoff(Duration.ofSeconds(5)));

    TracerStats stats = round(tracer, "throttled-", SPANS);

    assertThat(stats.exported()).isEqualTo(SPANS);
    assertThat(stats.retries()).isEqualTo(1);
    assertThat(arrivals).hasSize(2);
    assertThat(Duration.ofNanos(arrivals.get(1) - arrivals.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertAccountedFor(stats);
  }

  @Test
  void connectionRefusedThenRecoveryDeliversTheSameBatch() throws Exception {
    receiver.stop();
    FluxTracer tracer = tracer(b -> b.maxExportAttempts(10).initialBackoff(Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(300)));
    List<String> names = endSpans(tracer, "refused-", SPANS);
    CompletableFuture<FlushResult> flush = tracer.flush().toFuture();

    await().atMost(WAIT).until(() -> tracer.stats().retries() >= 1);
    receiver.restart();

    FlushResult result = flush.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(result.completed()).isTrue();
    TracerStats stats = result.stats();
    assertThat(stats.exported()).isEqualTo(SPANS);
    assertThat(stats.failed()).isZero();
    assertThat(stats.retries()).isBetween(1L, 9L);
    assertThat(receiver.requests()).singleElement()
        .satisfies(request -> assertThat(spanNames(request)).containsExactlyInAnyOrderElementsOf(names));
    assertAccountedFor(stats);
  }

  @Test
  void aReceiverThatGoesDownAfterServingIsUnreachableThroughThePooledConnectionTooAndThenRecovered() {
    FluxTracer tracer = tracer(b -> b);
    assertThat(round(tracer, "before-", SPANS).exported()).isEqualTo(SPANS);

    receiver.stop();
    TracerStats down = round(tracer, "while-down-", SPANS);
    assertThat(down.failed(FailureReason.RETRIES_EXHAUSTED)).isEqualTo(SPANS);
    assertThat(receiver.requestCount()).isEqualTo(1);

    receiver.restart();
    List<String> later = endSpans(tracer, "after-", SPANS);
    TracerStats recovered = tracer.flushBlocking(WAIT).stats();
    assertThat(recovered.exported()).isEqualTo(2L * SPANS);
    assertThat(spanNames(receiver.awaitRequests(2).get(1))).containsExactlyInAnyOrderElementsOf(later);
    assertThat(recovered.retries()).isEqualTo(MAX_ATTEMPTS - 1);
    assertAccountedFor(recovered);
    assertNoRetryStorm(recovered, receiver.requestCount());
  }

  @Test
  void receiverDownForTheWholeRunFailsEveryBatchAfterExactlyMaxAttempts() {
    receiver.stop();
    FluxTracer tracer = tracer(b -> b);

    for (int round = 0; round < 3; round++) {
      round(tracer, "unreachable-" + round + "-", SPANS);
    }
    FlushResult closed = Objects.requireNonNull(tracer.shutdown().block(WAIT));

    assertThat(closed.completed()).isTrue();
    TracerStats stats = closed.stats();
    assertThat(stats.exported()).isZero();
    assertThat(stats.failed(FailureReason.RETRIES_EXHAUSTED)).isEqualTo(3L * SPANS);
    assertThat(stats.batches()).isEqualTo(3);
    assertThat(stats.retries()).isEqualTo(3L * (MAX_ATTEMPTS - 1));
    assertThat(stats.bytesSent()).isZero();
    assertThat(receiver.requestCount()).isZero();
    assertAccountedFor(stats);
    assertNoRetryStorm(stats, 0);
  }

  @Test
  void anAnswerSlowerThanTheTimeoutFailsAsTimeoutAndIsNotSentAgainByDefault() {
    receiver.enqueue(Reply.ok().after(Duration.ofSeconds(30)));
    FluxTracer tracer = tracer(b -> b.timeout(Duration.ofMillis(500)));

    TracerStats timedOut = round(tracer, "slow-", SPANS);

    assertThat(timedOut.failed(FailureReason.TIMEOUT)).isEqualTo(SPANS);
    assertThat(timedOut.retries()).isZero();
    // The timeout runs from the end of the write, not from the receiver's reading: it may record it a little later.
    receiver.awaitRequests(1);
    assertThat(receiver.requestCount()).isEqualTo(1);
    assertAccountedFor(timedOut);

    List<String> later = endSpans(tracer, "recovered-", SPANS);
    TracerStats recovered = tracer.flushBlocking(WAIT).stats();
    assertThat(recovered.exported()).isEqualTo(SPANS);
    assertThat(spanNames(receiver.awaitRequests(2).get(1))).containsExactlyInAnyOrderElementsOf(later);
    assertAccountedFor(recovered);
    assertNoRetryStorm(recovered, receiver.requestCount());
  }

  @Test
  void withRetryOfTimedOutRequestsASlowAnswerIsSentAgainAndMayBeStoredTwice() {
    receiver.enqueue(Reply.ok().after(Duration.ofSeconds(30)));
    FluxTracer tracer = tracer(b -> b.timeout(Duration.ofMillis(500)).retryTimedOutRequests(true));

    TracerStats stats = round(tracer, "slow-", SPANS);

    assertThat(stats.exported()).isEqualTo(SPANS);
    assertThat(stats.retries()).isEqualTo(1);
    List<ReceivedRequest> requests = receiver.requests();
    assertThat(requests).hasSize(2);
    // The first request reached the backend: had it stored it, these spans would now be there twice.
    assertThat(spanNames(requests.get(1))).containsExactlyInAnyOrderElementsOf(spanNames(requests.get(0)));
    assertAccountedFor(stats);
    assertNoRetryStorm(stats, requests.size());
  }

  @Test
  void payloadTooLargeSplitsTheBatchUntilItFits() {
    receiver.respondWith(request -> spanNames(request).size() > 2 ? Reply.status(413) : Reply.ok());
    FluxTracer tracer = tracer(b -> b);

    List<String> names = endSpans(tracer, "split-", 8);
    TracerStats stats = tracer.flushBlocking(WAIT).stats();

    assertThat(stats.exported()).isEqualTo(8);
    assertThat(stats.failed()).isZero();
    assertThat(stats.retries()).as("a split is not a retry").isZero();
    // 8 -> 413; 4 + 4 -> 413 each; 2 + 2 + 2 + 2 accepted.
    List<ReceivedRequest> requests = receiver.requests();
    assertThat(requests).hasSize(7);
    assertThat(requests.stream().filter(r -> spanNames(r).size() <= 2).flatMap(r -> spanNames(r).stream()))
        .containsExactlyInAnyOrderElementsOf(names);
    assertAccountedFor(stats);
  }

  @Test
  void aSpanTooLargeOnItsOwnFailsAloneAndTheRestOfItsBatchIsDelivered() {
    receiver.respondWith(request -> spanNames(request).contains("too-large") ? Reply.status(413) : Reply.ok());
    FluxTracer tracer = tracer(b -> b);

    List<String> names = endSpans(tracer, "fits-", 4);
    tracer.startSpan("too-large", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
    TracerStats stats = tracer.flushBlocking(WAIT).stats();

    assertThat(stats.exported()).isEqualTo(4);
    assertThat(stats.failed(FailureReason.PAYLOAD_TOO_LARGE)).isEqualTo(1);
    assertThat(stats.retries()).isZero();
    assertThat(receiver.requests().stream().filter(r -> !spanNames(r).contains("too-large"))
        .flatMap(r -> spanNames(r).stream())).containsAll(names);
    assertAccountedFor(stats);
  }
}
