package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.export.InMemorySpanExporter;
import io.fluxtrace.export.ScoreExporter;
import io.fluxtrace.testing.LangfuseIngestion;
import io.fluxtrace.testing.OtlpReceiver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/** Scores through a whole tracer: delivery, flush, close, the shutdown hook, bounds, masking and accounting. */
class FluxTracerScoresTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final OtlpReceiver receiver = OtlpReceiver.start().respondWith(LangfuseIngestion::allSucceeded);
  private final List<FluxTracer> tracers = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAndCheckEveryRequest() {
    try {
      tracers.forEach(FluxTracer::close);
      assertThat(LangfuseIngestion.violations(receiver.requests())).isEmpty();
    } finally {
      receiver.close();
    }
  }

  @Test
  void flushDeliversEveryScoreRecordedBeforeItToLangfuse() {
    FluxTracer tracer = langfuseTracer(FluxTracer.builder(Map.of()).environment("staging"));
    tracer.score(Score.numeric("accuracy", 0.9).traceId(TRACE).build());
    tracer.score(Score.bool("helpful", true).traceId(TRACE).observationId(SPAN).comment("thumbs up").build());
    tracer.score(Score.categorical("tone", "calm").sessionId("session-7").environment("prod").build());

    FlushResult result = tracer.flushBlocking(WAIT);

    assertThat(result.completed()).isTrue();
    assertThat(result.isClean()).isTrue();
    ScoreStats scores = result.stats().scores();
    assertThat(scores.recorded()).isEqualTo(3);
    assertThat(scores.enqueued()).isEqualTo(3);
    assertThat(scores.exported()).isEqualTo(3);
    assertThat(scores.queued()).isZero();
    List<JsonNode> bodies = receiver.requests().stream()
        .flatMap(r -> LangfuseIngestion.events(r).stream()).map(e -> e.get("body")).toList();
    assertThat(bodies).extracting(b -> b.get("name").asText()).containsExactlyInAnyOrder("accuracy", "helpful", "tone");
    assertThat(bodies).filteredOn(b -> b.get("name").asText().equals("tone"))
        .singleElement().satisfies(b -> assertThat(b.get("environment").asText()).isEqualTo("prod"));
    assertThat(bodies).filteredOn(b -> b.get("name").asText().equals("helpful"))
        .singleElement().satisfies(b -> {
          assertThat(b.get("environment").asText()).isEqualTo("staging");
          assertThat(b.get("value").asInt()).isEqualTo(1);
          assertThat(b.get("observationId").asText()).isEqualTo(SPAN);
        });
  }

  @Test
  void perScoreAnswersAreCountedExactlyInTheTracerStats() {
    Set<String> refusedOnce = ConcurrentHashMap.newKeySet();
    receiver.respondWith(request -> LangfuseIngestion.perEvent(request, id ->
        id.startsWith("bad") ? 400 : id.startsWith("busy") && refusedOnce.add(id) ? 429 : 201));
    FluxTracer tracer = langfuseTracer(FluxTracer.builder(Map.of()).flushAt(10));
    for (String id : List.of("ok-1", "bad-1", "busy-1", "ok-2", "bad-2")) {
      tracer.score(Score.numeric("n", 1).traceId(TRACE).id(id).build());
    }

    FlushResult result = tracer.flushBlocking(WAIT);

    ScoreStats scores = result.stats().scores();
    assertThat(scores.exported()).isEqualTo(3);
    assertThat(scores.failedByReason()).containsOnly(Map.entry(FailureReason.BAD_REQUEST, 2L));
    assertThat(scores.retries()).isEqualTo(1);
    assertThat(scores.recorded()).isEqualTo(scores.exported() + scores.failed() + scores.dropped());
    assertThat(result.isClean()).isFalse();
    assertThat(result.failed()).as("span failures stay apart").isZero();
  }

  @Test
  void closeDeliversTheRemainingScores() {
    FluxTracer tracer = langfuseTracer(FluxTracer.builder(Map.of()));
    tracer.score(Score.text("review", "fine").traceId(TRACE).build());

    tracer.close();

    assertThat(receiver.requests()).flatMap(LangfuseIngestion::scoreIds).hasSize(1);
    assertThat(tracer.stats().scores().exported()).isEqualTo(1);
    tracer.score(Score.text("review", "too late").traceId(TRACE).build());
    assertThat(tracer.stats().scores().droppedAfterClose()).isEqualTo(1);
  }

  @Test
  void theShutdownHookDeliversTheRemainingScores() {
    FluxTracer tracer = langfuseTracer(FluxTracer.builder(Map.of()).shutdownHook(true));
    tracer.score(Score.numeric("latency", 1.5).traceId(TRACE).build());
    Thread hook = Objects.requireNonNull(tracer.shutdownHook(), "shutdown hook");

    hook.run();

    assertThat(receiver.requests()).flatMap(LangfuseIngestion::scoreIds).hasSize(1);
    assertThat(tracer.stats().scores().exported()).isEqualTo(1);
  }

  @Test
  void aFullScorePipelineDropsNewScoresAndCountsEachOne() {
    GatedScoreExporter exporter = new GatedScoreExporter();
    FluxTracer tracer = track(FluxTracer.builder(Map.of())
        .exporter(InMemorySpanExporter.create())
        .scoreExporter(exporter)
        .maxQueuedScores(3)
        .flushAt(1)
        .shutdownHook(false)
        .build());

    for (int i = 0; i < 10; i++) {
      tracer.score(Score.numeric("n", i).traceId(TRACE).build());
    }
    ScoreStats held = tracer.stats().scores();
    exporter.open();
    ScoreStats settled = tracer.flushBlocking(WAIT).stats().scores();

    assertThat(held.enqueued()).isEqualTo(3);
    assertThat(held.droppedQueueFull()).isEqualTo(7);
    assertThat(settled.recorded()).isEqualTo(10);
    assertThat(settled.exported()).isEqualTo(3);
    assertThat(settled.droppedQueueFull()).isEqualTo(7);
    assertThat(exporter.exported).hasSize(3);
  }

  @Test
  void commentAndMetadataAreMaskedAndAThrowingMaskerNeverLetsTheValueOut() {
    InMemoryScoreExporter exporter = InMemoryScoreExporter.create();
    FluxTracer tracer = track(FluxTracer.builder(Map.of())
        .exporter(InMemorySpanExporter.create())
        .scoreExporter(exporter)
        .masker((kind, value) -> {
          if (kind == ContentKind.SCORE_COMMENT) {
            throw new IllegalStateException("masking bug");
          }
          return kind == ContentKind.SCORE_METADATA ? value.toString().replace("4111-1111", "****") : value;
        })
        .shutdownHook(false)
        .build());

    tracer.score(Score.numeric("n", 1).traceId(TRACE)
        .comment("card 4111-1111")
        .metadata("card", "4111-1111")
        .metadata("plain", "ok")
        .build());
    FlushResult result = tracer.flushBlocking(WAIT);

    ScoreData data = exporter.scoresOfTrace(TRACE).get(0);
    assertThat(data.comment()).isEqualTo(ContentMasker.FAILED_MARKER);
    assertThat(data.metadata()).isEqualTo("{\"card\":\"****\",\"plain\":\"ok\"}");
    assertThat(result.stats().maskingFailures()).isEqualTo(1);
  }

  @Test
  void aTracerWithoutLangfuseOrAScoreExporterCountsScoresAsDroppedNoExporter() {
    FluxTracer tracer = track(FluxTracer.builder(Map.of())
        .otlpEndpoint("http://127.0.0.1:4318/v1/traces")
        .shutdownHook(false)
        .build());

    tracer.score(Score.numeric("n", 1).traceId(TRACE).build());
    tracer.score(Score.numeric("n", 2).traceId(TRACE).build());
    FlushResult result = tracer.flushBlocking(WAIT);

    assertThat(result.completed()).isTrue();
    assertThat(result.stats().scores().droppedNoExporter()).isEqualTo(2);
    assertThat(result.stats().scores().dropped()).isEqualTo(2);
    assertThat(result.isClean()).isFalse();
  }

  @Test
  void aDisabledTracerIgnoresScores() {
    FluxTracer tracer = FluxTracer.disabled();

    tracer.score(Score.numeric("n", 1).traceId(TRACE).build());

    assertThat(tracer.stats().scores()).isEqualTo(ScoreStats.EMPTY);
    assertThat(tracer.flushBlocking(WAIT).completed()).isTrue();
  }

  @Test
  void scoresRecordedConcurrentlyOnNonBlockingThreadsAreAllDelivered() {
    FluxTracer tracer = langfuseTracer(FluxTracer.builder(Map.of()).flushAt(50));

    Flux.range(0, 400)
        .parallel(4)
        .runOn(Schedulers.parallel())
        .doOnNext(i -> tracer.score(Score.numeric("n", i).traceId(TRACE).build()))
        .sequential()
        .then()
        .block(WAIT);
    FlushResult result = tracer.flushBlocking(WAIT);

    assertThat(result.stats().scores().exported()).isEqualTo(400);
    assertThat(receiver.requests()).flatMap(LangfuseIngestion::scoreIds).hasSize(400).doesNotHaveDuplicates();
    assertThat(receiver.requests()).allSatisfy(r -> assertThat(LangfuseIngestion.events(r)).hasSizeLessThanOrEqualTo(50));
  }

  private FluxTracer langfuseTracer(FluxTracerBuilder builder) {
    return track(builder
        .publicKey("pk-lf-test-1234")
        .secretKey("sk-lf-test-5678")
        .baseUrl(receiver.baseUrl())
        .flushInterval(Duration.ofMillis(50))
        .initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(20))
        .maxExportAttempts(3)
        .build());
  }

  private FluxTracer track(FluxTracer tracer) {
    tracers.add(tracer);
    return tracer;
  }

  /** Holds every export until {@link #open()}, so that scores stay in the pipeline. */
  private static final class GatedScoreExporter implements ScoreExporter {
    final Sinks.Empty<Void> gate = Sinks.empty();
    final List<ScoreData> exported = new CopyOnWriteArrayList<>();

    @Override
    public Flux<ExportResult> export(List<ScoreData> batch) {
      return gate.asMono().then(Mono.fromSupplier(() -> {
        exported.addAll(batch);
        return ExportResult.success(batch.size());
      })).flux();
    }

    void open() {
      gate.tryEmitEmpty();
    }
  }
}
