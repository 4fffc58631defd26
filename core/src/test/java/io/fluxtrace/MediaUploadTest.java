package io.fluxtrace;

import static io.fluxtrace.testing.LangfuseMediaStandIn.attribute;
import static io.fluxtrace.testing.LangfuseMediaStandIn.mediaId;
import static io.fluxtrace.testing.LangfuseMediaStandIn.reference;
import static io.fluxtrace.testing.LangfuseMediaStandIn.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fluxtrace.internal.TracerAccess;
import io.fluxtrace.testing.LangfuseMediaStandIn;
import io.fluxtrace.testing.OtlpReceiver;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Media upload end to end: spans with media go through the real tracer, content encoder, pipeline and HTTP transport
 * to a stand-in Langfuse ({@link LangfuseMediaStandIn}) that checks every media request against the OpenAPI spec and
 * the SHA-256 of the uploaded bytes. Assertions are on the wire (the exported span's content, the bytes stored) and
 * on the stats.
 */
@Timeout(120)
class MediaUploadTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String INPUT = "langfuse.observation.input";
  private static final String OUTPUT = "langfuse.observation.output";
  private static final String METADATA = "langfuse.observation.metadata";

  private final LangfuseMediaStandIn langfuse = new LangfuseMediaStandIn();

  @AfterEach
  void close() {
    langfuse.close();
  }

  private FluxTracer tracer(UnaryOperator<FluxTracerBuilder> settings) {
    return settings.apply(FluxTracer.builder(Map.of())
            .publicKey("pk-lf-media")
            .secretKey("sk-lf-media")
            .baseUrl(langfuse.baseUrl())
            .shutdownHook(false)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(50)))
        .build();
  }

  private static byte[] bytes(int size) {
    byte[] bytes = new byte[size];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  private static String dataUri(String type, byte[] bytes) {
    return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
  }

  @Test
  void mediaValuesByteArraysAndDataUrisAreUploadedOnceAndReplacedByTheirReferences() {
    byte[] png = bytes(10_000);
    byte[] wav = bytes(20_000);
    byte[] raw = bytes(3_000);
    try (FluxTracer tracer = tracer(b -> b)) {
      tracer.startSpan("multimodal", ObservationType.GENERATION, null, TraceAttributes.EMPTY)
          .input(Map.of("prompt", "what is in the picture?", "image", Media.of(png, "image/png")))
          .output(dataUri("audio/wav", wav))
          .metadata("attachment", raw)
          .end();

      FlushResult result = tracer.flushBlocking(WAIT);

      assertThat(result.completed()).isTrue();
      io.opentelemetry.proto.trace.v1.Span span = langfuse.span("multimodal");
      assertThat(attribute(span, INPUT)).contains("\"" + reference("image/png", png, "bytes") + "\"")
          .contains("what is in the picture?").doesNotContain(Base64.getEncoder().encodeToString(png));
      assertThat(attribute(span, OUTPUT))
          .isEqualTo("\"" + reference("audio/wav", wav, "base64_data_uri") + "\"");
      assertThat(attribute(span, METADATA))
          .isEqualTo("{\"attachment\":\"" + reference("application/octet-stream", raw, "bytes") + "\"}");
      for (byte[] media : List.of(png, wav, raw)) {
        String id = mediaId(sha256(media));
        assertThat(langfuse.stored(id)).as("the exact bytes of %s", id).isEqualTo(media);
        assertThat(langfuse.putCount(id)).as("uploaded once").isEqualTo(1);
        assertThat(langfuse.confirmed(id)).isTrue();
      }
      List<JsonNode> posts = new ArrayList<>();
      langfuse.requests("POST", "/api/public/media").forEach(r -> posts.add(json(r.bodyText())));
      assertThat(posts).hasSize(3).allSatisfy(post -> {
        assertThat(post.get("traceId").textValue()).isEqualTo(OtlpJsonIds.traceId(span));
        assertThat(post.get("observationId").textValue()).isEqualTo(OtlpJsonIds.spanId(span));
      });
      assertThat(posts).extracting(p -> p.get("field").textValue())
          .containsExactlyInAnyOrder("input", "output", "metadata");
      assertThat(langfuse.patches()).hasSize(3).allSatisfy(patch -> {
        assertThat(patch.get("uploadHttpStatus").intValue()).isEqualTo(200);
        assertThat(patch.get("uploadHttpError").isNull()).isTrue();
        assertThat(patch.get("uploadTimeMs").intValue()).isNotNegative();
      });
      assertThat(langfuse.violations()).isEmpty();
      MediaStats media = result.stats().media();
      assertThat(media.uploaded()).isEqualTo(3);
      assertThat(media.deduplicated()).isZero();
      assertThat(media.notUploaded()).isZero();
      assertThat(media.queued()).isZero();
      assertThat(media.queuedBytes()).isZero();
      assertThat(result.stats().exported()).isEqualTo(1);
    }
  }

  @Test
  void theSameBytesAreUploadedOnceAndLangfuseDeduplicatesTheRest() {
    byte[] png = bytes(5_000);
    try (FluxTracer tracer = tracer(b -> b)) {
      // Many spans on many threads with the same image; the second upload of the same bytes waits for the first,
      // so Langfuse answers it without an upload URL.
      Flux.range(0, 12)
          .flatMap(i -> Mono.fromRunnable(() ->
                  tracer.startSpan("same-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY)
                      .input(List.of(Media.of(png, "image/png"), Media.of(png, "image/png")))
                      .end())
              .subscribeOn(Schedulers.parallel()))
          .blockLast(WAIT);

      FlushResult result = tracer.flushBlocking(WAIT);

      String id = mediaId(sha256(png));
      assertThat(langfuse.putCount(id)).as("the bytes went up once").isEqualTo(1);
      assertThat(langfuse.requests("POST", "/api/public/media")).as("one POST per span: it links the media")
          .hasSize(12);
      MediaStats media = result.stats().media();
      assertThat(media.uploaded()).isEqualTo(1);
      assertThat(media.deduplicated()).isEqualTo(11);
      assertThat(media.notUploaded()).isZero();
      String ref = "\"" + reference("image/png", png, "bytes") + "\"";
      for (int i = 0; i < 12; i++) {
        assertThat(attribute(langfuse.span("same-" + i), INPUT)).isEqualTo("[" + ref + "," + ref + "]");
      }
      assertThat(langfuse.violations()).isEmpty();
    }
  }

  @Test
  void eachFailingStepLeavesAVisiblePlaceholderAndIsCountedByReason() {
    Map<String, Runnable> faults = new LinkedHashMap<>();
    faults.put("post-500", () -> langfuse.failPost(Reply.status(500)));
    faults.put("put-403", () -> langfuse.failPut(Reply.status(403, "<Error><Code>AccessDenied</Code></Error>")));
    faults.put("put-500", () -> langfuse.failPut(Reply.status(500)));
    faults.put("patch-500", () -> langfuse.failPatch(Reply.status(500)));
    Map<String, FailureReason> reasons = Map.of("post-500", FailureReason.OTHER_STATUS,
        "put-403", FailureReason.UNAUTHORIZED, "put-500", FailureReason.OTHER_STATUS,
        "patch-500", FailureReason.OTHER_STATUS);
    try (FluxTracer tracer = tracer(b -> b)) {
      for (Map.Entry<String, Runnable> fault : faults.entrySet()) {
        fault.getValue().run();
        byte[] png = bytes(1_000);
        tracer.startSpan(fault.getKey(), ObservationType.SPAN, null, TraceAttributes.EMPTY)
            .input(Media.of(png, "image/png"))
            .end();
        FlushResult result = tracer.flushBlocking(WAIT);

        String input = attribute(langfuse.span(fault.getKey()), INPUT);
        assertThat(input).as(fault.getKey())
            .isEqualTo("\"<fluxtrace: media image/png, 1000 bytes, not uploaded: upload failed ("
                + reasons.get(fault.getKey()) + ")>\"")
            .doesNotContain("@@@langfuseMedia");
        FailureReason reason = java.util.Objects.requireNonNull(reasons.get(fault.getKey()));
        assertThat(result.stats().media().failed(reason)).as(fault.getKey()).isPositive();
      }
      MediaStats media = tracer.stats().media();
      assertThat(media.failed()).isEqualTo(4);
      assertThat(media.failed(FailureReason.UNAUTHORIZED)).isEqualTo(1);
      assertThat(media.failed(FailureReason.OTHER_STATUS)).isEqualTo(3);
      assertThat(media.uploaded()).isZero();
      // A failed PUT is reported to Langfuse too.
      assertThat(langfuse.patches()).extracting(p -> p.get("uploadHttpStatus").intValue())
          .containsExactly(403, 500, 200);
      assertThat(langfuse.patches().get(0).get("uploadHttpError").textValue()).contains("403");
      assertThat(tracer.stats().exported()).as("the spans themselves are delivered").isEqualTo(4);
      assertThat(langfuse.violations()).isEmpty();
    }
  }

  @Test
  void retryableFailuresOfEachStepAreRetriedByTheTracersPolicy() {
    langfuse.failPost(Reply.retryAfterSeconds(0), Reply.status(503))
        .failPut(Reply.closeConnection(), Reply.status(502))
        .failPatch(Reply.status(429));
    byte[] pdf = bytes(4_000);
    try (FluxTracer tracer = tracer(b -> b)) {
      tracer.startSpan("retried", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .output(Map.of("report", Media.of(pdf, "application/pdf")))
          .end();

      FlushResult result = tracer.flushBlocking(WAIT);

      assertThat(attribute(langfuse.span("retried"), OUTPUT))
          .isEqualTo("{\"report\":\"" + reference("application/pdf", pdf, "bytes") + "\"}");
      String id = mediaId(sha256(pdf));
      assertThat(langfuse.stored(id)).isEqualTo(pdf);
      assertThat(langfuse.putCount(id)).isEqualTo(1);
      assertThat(result.stats().media().uploaded()).isEqualTo(1);
      assertThat(result.stats().media().retries()).isEqualTo(5);
      assertThat(langfuse.violations()).isEmpty();
    }
  }

  @Test
  void retriesThatRunOutFailTheMediaAsRetriesExhausted() {
    langfuse.failPost(Reply.status(503), Reply.status(503));
    try (FluxTracer tracer = tracer(b -> b.maxExportAttempts(2))) {
      tracer.startSpan("exhausted", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(new byte[] {1, 2, 3})
          .end();

      FlushResult result = tracer.flushBlocking(WAIT);

      assertThat(attribute(langfuse.span("exhausted"), INPUT)).contains("not uploaded: upload failed"
          + " (RETRIES_EXHAUSTED)");
      assertThat(result.stats().media().failed(FailureReason.RETRIES_EXHAUSTED)).isEqualTo(1);
    }
  }

  @Test
  void flushWaitsForTheUploadsAndTheSpanIsExportedOnlyAfterItsMedia() throws Exception {
    // The upload is held until the span without media has arrived: a fixed delay would race that export.
    Sinks.Empty<Void> storage = Sinks.empty();
    langfuse.holdUploads(storage.asMono());
    byte[] png = bytes(2_000);
    try (FluxTracer tracer = tracer(b -> b)) {
      tracer.startSpan("slow", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(Media.of(png, "image/png"))
          .end();
      tracer.startSpan("plain", ObservationType.SPAN, null, TraceAttributes.EMPTY).input("no media").end();

      CompletableFuture<FlushResult> flushed = tracer.flush().toFuture();
      await().atMost(WAIT).until(() -> langfuse.spans().stream().anyMatch(s -> s.getName().equals("plain")));
      assertThat(flushed).as("the flush waits for the held upload").isNotDone();
      storage.tryEmitEmpty();
      FlushResult result = flushed.get(WAIT.toSeconds(), TimeUnit.SECONDS);

      assertThat(result.completed()).isTrue();
      String id = mediaId(sha256(png));
      assertThat(langfuse.confirmed(id)).as("uploaded and confirmed before flush returned").isTrue();
      assertThat(result.stats().media().uploaded()).isEqualTo(1);
      List<String> order = new ArrayList<>();
      langfuse.requests().forEach(r -> order.add(r.method() + " " + r.path().replaceAll("[/?].*", "")));
      assertThat(order).as("the span went out after its media was confirmed")
          .containsSubsequence("PATCH ", "POST ");
      assertThat(langfuse.requests().get(langfuse.requests().size() - 1).path())
          .isEqualTo(LangfuseMediaStandIn.TRACES_PATH);
      List<String> exported = new ArrayList<>();
      langfuse.requests().forEach(r -> {
        if (r.path().equals(LangfuseMediaStandIn.TRACES_PATH)) {
          io.fluxtrace.testing.OtlpJson.spans(r.traces())
              .forEach(span -> exported.add(span.getName()));
        } else if (r.method().equals("PATCH")) {
          exported.add("PATCH");
        }
      });
      assertThat(exported).as("a span without media in the same batch does not wait")
          .containsExactly("plain", "PATCH", "slow");
      assertThat(result.stats().exported()).isEqualTo(2);
    }
  }

  @Test
  void manyLargeMediaAgainstASlowBackendStayWithinTheBoundAndTheOverflowShowsAPlaceholder() {
    // No upload is answered before the loop below has ended all its spans, on any machine.
    Sinks.Empty<Void> storage = Sinks.empty();
    langfuse.holdUploads(storage.asMono());
    int spans = 40;
    int size = 24 * 1024;
    long bound = 96 * 1024;
    try (FluxTracer tracer = tracer(b -> b.maxQueuedMedia(8).maxQueuedMediaBytes(bound)
        .maxQueuedBytes(4 * bound))) {
      List<Long> seen = new ArrayList<>();
      for (int i = 0; i < spans; i++) {
        tracer.startSpan("big-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY)
            .input(Media.of(bytes(size), "image/png"))
            .end();
        MediaStats now = tracer.stats().media();
        seen.add(now.queuedBytes());
        assertThat(now.queued()).isLessThanOrEqualTo(8);
      }
      assertThat(seen).allSatisfy(bytes -> assertThat(bytes).isLessThanOrEqualTo(bound));
      storage.tryEmitEmpty();

      FlushResult result = tracer.flushBlocking(WAIT);

      MediaStats media = result.stats().media();
      assertThat(media.droppedQueueFull()).as("the bound held only 4 of 24 KiB at once").isPositive();
      assertThat(media.uploaded() + media.droppedQueueFull()).isEqualTo(spans);
      assertThat(media.queuedBytes()).isZero();
      int placeholders = 0;
      int references = 0;
      for (int i = 0; i < spans; i++) {
        String input = String.valueOf(attribute(langfuse.span("big-" + i), INPUT));
        if (input.contains("not uploaded: too much media waiting for upload")) {
          placeholders++;
        } else if (input.contains("@@@langfuseMedia:type=image/png|id=")) {
          references++;
        }
      }
      assertThat(placeholders).isEqualTo(media.droppedQueueFull());
      assertThat(references).isEqualTo(media.uploaded());
      assertThat(result.stats().exported()).isEqualTo(spans);
    }
  }

  @Test
  void mediaLargerThanTheWholeBoundIsReplacedByAPlaceholderAtOnce() {
    try (FluxTracer tracer = tracer(b -> b.maxQueuedMediaBytes(4096))) {
      tracer.startSpan("huge", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(Media.of(bytes(5000), "video/mp4"))
          .end();

      FlushResult result = tracer.flushBlocking(WAIT);

      assertThat(attribute(langfuse.span("huge"), INPUT)).isEqualTo("\"<fluxtrace: media video/mp4, 5000 bytes, not"
          + " uploaded: larger than maxQueuedMediaBytes (4096)>\"");
      assertThat(result.stats().media().droppedQueueFull()).isEqualTo(1);
      assertThat(langfuse.requests("POST", "/api/public/media")).isEmpty();
    }
  }

  @Test
  void theMaskerSeesMediaFirstAndCanDropIt() {
    byte[] secret = bytes(1_000);
    byte[] kept = bytes(1_000);
    ContentMasker masker = (kind, value) -> {
      if (value instanceof Map<?, ?> map) {
        Map<Object, Object> copy = new LinkedHashMap<>(map);
        copy.remove("scan");
        return copy;
      }
      return value;
    };
    try (FluxTracer tracer = tracer(b -> b.masker(masker))) {
      tracer.startSpan("masked", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(Map.of("scan", Media.of(secret, "image/png"), "logo", Media.of(kept, "image/png")))
          .end();
      tracer.flushBlocking(WAIT);
    }
    try (FluxTracer tracer = tracer(b -> b.masker(ContentMasker.deep((name, text) ->
        text.startsWith("data:") ? "<redacted image>" : text)))) {
      tracer.startSpan("deep-masked", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(List.of(dataUri("image/jpeg", secret)))
          .end();
      tracer.flushBlocking(WAIT);
    }
    assertThat(attribute(langfuse.span("masked"), INPUT))
        .isEqualTo("{\"logo\":\"" + reference("image/png", kept, "bytes") + "\"}");
    assertThat(attribute(langfuse.span("deep-masked"), INPUT)).isEqualTo("[\"<redacted image>\"]");
    assertThat(langfuse.requests("POST", "/api/public/media")).hasSize(1);
    assertThat(langfuse.stored(mediaId(sha256(secret)))).as("the dropped media never left").isNull();
  }

  @Test
  void aRecordLangfuseMadeBeforeItDerivedIdsKeepsItsIdAndTheReferenceIsCorrected() {
    byte[] gif = bytes(800);
    langfuse.legacyRecord(sha256(gif), "legacy-0d7e5c1a-uuid");
    try (FluxTracer tracer = tracer(b -> b)) {
      tracer.startSpan("legacy", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(Media.of(gif, "image/gif"))
          .end();
      tracer.flushBlocking(WAIT);
    }
    assertThat(attribute(langfuse.span("legacy"), INPUT))
        .isEqualTo("\"@@@langfuseMedia:type=image/gif|id=legacy-0d7e5c1a-uuid|source=bytes@@@\"");
    assertThat(langfuse.stored("legacy-0d7e5c1a-uuid")).isEqualTo(gif);
  }

  @Test
  void shutdownGivesUpOnUploadsAtItsDeadlineAndTheSpanStillGoesOutWithAPlaceholder() {
    langfuse.slowUploads(Duration.ofSeconds(30));
    FluxTracer tracer = tracer(b -> b.shutdownTimeout(Duration.ofSeconds(4)).timeout(Duration.ofSeconds(60)));
    tracer.startSpan("at-exit", ObservationType.SPAN, null, TraceAttributes.EMPTY)
        .input(Media.of(bytes(100), "image/png"))
        .end();

    tracer.close();

    assertThat(attribute(langfuse.span("at-exit"), INPUT)).contains("not uploaded: upload failed"
        + " (SHUTDOWN_DEADLINE)");
    assertThat(tracer.stats().media().failed(FailureReason.SHUTDOWN_DEADLINE)).isEqualTo(1);
    assertThat(tracer.stats().exported()).isEqualTo(1);
  }

  @Test
  void aGenericOtlpBackendGetsTheContentAsItIs() {
    byte[] png = bytes(600);
    try (OtlpReceiver collector = OtlpReceiver.start();
        FluxTracer tracer = FluxTracer.builder(Map.of())
            .otlpEndpoint(collector.url("/v1/traces"))
            .shutdownHook(false)
            .build()) {
      tracer.startSpan("otlp", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(Map.of("image", Media.of(png, "image/png"), "raw", new byte[] {1, 2, 3}))
          .output(dataUri("image/png", png))
          .end();
      tracer.flushBlocking(WAIT);

      var span = io.fluxtrace.testing.OtlpJson.singleSpan(collector.awaitRequest().traces());
      assertThat(attribute(span, INPUT)).contains("\"image\":\"" + dataUri("image/png", png) + "\"")
          .contains("\"raw\":\"AQID\"");
      assertThat(attribute(span, OUTPUT)).isEqualTo("\"" + dataUri("image/png", png) + "\"");
      assertThat(collector.requests()).hasSize(1);
      assertThat(tracer.stats().media()).isEqualTo(MediaStats.EMPTY);
    }
  }

  @Test
  void theOffSwitchSendsContentAsItIs() {
    byte[] png = bytes(600);
    for (FluxTracerBuilder builder : List.of(
        FluxTracer.builder(Map.of()).mediaUpload(false),
        FluxTracer.builder(Map.of("LANGFUSE_MEDIA_UPLOAD_ENABLED", "false")))) {
      try (FluxTracer tracer = builder.publicKey("pk-lf-media").secretKey("sk-lf-media")
          .baseUrl(langfuse.baseUrl()).shutdownHook(false).build()) {
        assertThat(TracerAccess.config(tracer).media().enabled()).isFalse();
        tracer.startSpan("off", ObservationType.SPAN, null, TraceAttributes.EMPTY)
            .output(dataUri("image/png", png))
            .end();
        tracer.flushBlocking(WAIT);
      }
    }
    assertThat(langfuse.spans()).hasSize(2).allSatisfy(span ->
        assertThat(attribute(span, OUTPUT)).isEqualTo("\"" + dataUri("image/png", png) + "\""));
    assertThat(langfuse.requests("POST", "/api/public/media")).isEmpty();
  }

  @Test
  void theBuilderValidatesTheMediaBoundAndNamesTheSetting() {
    assertThatThrownBy(() -> TestConfigs.config(TestConfigs.builder().maxQueuedMediaBytes(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxQueuedMediaBytes");
    assertThatThrownBy(() -> TestConfigs.config(TestConfigs.builder().maxQueuedBytes(8192).maxQueuedMediaBytes(8192)))
        .hasMessageContaining("half of maxQueuedBytes (4096)");
    assertThatThrownBy(() -> TestConfigs.config(TestConfigs.builder().maxQueuedMedia(0)))
        .hasMessageContaining("maxQueuedMedia");
    assertThatThrownBy(() -> FluxTracer.builder(Map.of("LANGFUSE_MEDIA_UPLOAD_ENABLED", "maybe"))
        .publicKey("pk-lf-x").secretKey("sk-lf-x").shutdownHook(false).build())
        .hasMessageContaining("LANGFUSE_MEDIA_UPLOAD_ENABLED");
    assertThat(TestConfigs.config().media().maxQueuedBytes())
        .isEqualTo(FluxTracerBuilder.DEFAULT_MAX_QUEUED_BYTES / 4);
    assertThatThrownBy(() -> Media.of(new byte[1], "png")).hasMessageContaining("MIME type");
  }

  private static JsonNode json(String text) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The hex ids of an exported span. */
  private static final class OtlpJsonIds {
    static String traceId(io.opentelemetry.proto.trace.v1.Span span) {
      return io.fluxtrace.testing.OtlpJson.traceId(span);
    }

    static String spanId(io.opentelemetry.proto.trace.v1.Span span) {
      return io.fluxtrace.testing.OtlpJson.spanId(span);
    }
  }
}
