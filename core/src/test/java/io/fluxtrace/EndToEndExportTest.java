package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Acceptance: spans ended on many threads travel through the real tracer, pipeline, encoder and HTTP exporter to
 * a real HTTP receiver on loopback, and a flush delivers every one of them exactly once.
 */
@Timeout(120)
class EndToEndExportTest {

  private static final int THREADS = 8;
  private static final int PAIRS_PER_THREAD = 6_250;
  private static final int SPANS = THREADS * PAIRS_PER_THREAD * 2;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PUBLIC_KEY = "pk-lf-e2e";
  private static final String SECRET_KEY = "sk-lf-e2e";

  @Test
  void aHundredThousandSpansEndedOnEightThreadsArriveExactlyOnceAfterFlush() {
    try (OtlpReceiver receiver = OtlpReceiver.start();
        FluxTracer tracer = FluxTracer.builder(Map.of())
            .publicKey(PUBLIC_KEY)
            .secretKey(SECRET_KEY)
            .baseUrl(receiver.baseUrl())
            .shutdownHook(false)
            // Room for every span at once: on two loaded cores the eight enders can outrun (or starve) the
            // export thread, and a full pipeline drops by design. This test checks delivery, not that bound.
            .maxQueuedSpans(SPANS)
            .maxQueuedBytes(512L * 1024 * 1024)
            .build()) {
      long start = System.nanoTime();
      endOnThreads(tracer);
      long ended = System.nanoTime();

      FlushResult result = tracer.flushBlocking(WAIT);
      long flushed = System.nanoTime();

      assertThat(result.completed()).isTrue();
      assertThat(result.isClean()).as("nothing dropped or failed: %s", result).isTrue();
      List<ReceivedRequest> requests = receiver.requests();
      Received received = decode(requests);

      assertThat(received.spanCount).as("spans received, duplicates included").isEqualTo(SPANS);
      assertThat(received.names).as("distinct spans received").hasSize(SPANS);
      for (int thread = 0; thread < THREADS; thread++) {
        for (int pair = 0; pair < PAIRS_PER_THREAD; pair += 997) {
          assertThat(received.names).containsKeys(name("root", thread, pair), name("child", thread, pair));
        }
      }
      received.names.forEach((name, span) -> {
        if (name.startsWith("child")) {
          Span parent = received.names.get(name.replace("child", "root"));
          assertThat(parent).as("the root of %s", name).isNotNull();
          assertThat(OtlpJson.traceId(span)).isEqualTo(OtlpJson.traceId(parent));
          assertThat(OtlpJson.parentSpanId(span)).isEqualTo(OtlpJson.spanId(parent));
        }
      });

      TracerStats stats = result.stats();
      assertThat(stats.spansStarted()).isEqualTo(SPANS);
      assertThat(stats.spansEnded()).isEqualTo(SPANS);
      assertThat(stats.enqueued()).isEqualTo(SPANS);
      assertThat(stats.exported()).isEqualTo(SPANS);
      assertThat(stats.failed()).isZero();
      assertThat(stats.dropped()).isZero();
      assertThat(stats.retries()).isZero();
      assertThat(stats.queuedSpans()).isZero();
      assertThat(stats.queuedBytes()).isZero();
      assertThat(stats.batches()).as("one completed export per request received").isEqualTo(requests.size());
      assertThat(stats.bytesSent()).as("the bytes the receiver got").isEqualTo(received.rawBytes);
      assertThat(received.largestBatch).isLessThanOrEqualTo(FluxTracerBuilder.DEFAULT_FLUSH_AT);

      System.out.printf("end-to-end: %,d spans ended on %d threads in %d ms, flushed %d ms later; %d requests"
              + " (largest %d spans), %,d bytes sent (gzip), %,d bytes uncompressed%n",
          SPANS, THREADS, (ended - start) / 1_000_000, (flushed - ended) / 1_000_000, requests.size(),
          received.largestBatch, received.rawBytes, received.uncompressedBytes);
    }
  }

  /** Each thread ends root and child pairs, the child first, on Reactor's non-blocking threads. */
  private static void endOnThreads(FluxTracer tracer) {
    Scheduler enders = Schedulers.newParallel("ender", THREADS);
    try {
      Flux.range(0, THREADS)
          .flatMap(thread -> Mono.fromRunnable(() -> endPairs(tracer, thread)).subscribeOn(enders), THREADS)
          .blockLast(WAIT);
    } finally {
      enders.dispose();
    }
  }

  private static void endPairs(FluxTracer tracer, int thread) {
    TraceAttributes attributes = TraceAttributes.builder().userId("user-" + thread).sessionId("e2e").build();
    for (int pair = 0; pair < PAIRS_PER_THREAD; pair++) {
      io.fluxtrace.Span root = tracer.startSpan(name("root", thread, pair), ObservationType.SPAN, null, attributes);
      tracer.startSpan(name("child", thread, pair), ObservationType.GENERATION, root.context(), attributes)
          .model("model-x")
          .usage("input", pair)
          .input("question " + pair)
          .end();
      root.output("answer " + pair).end();
    }
  }

  private static String name(String kind, int thread, int pair) {
    return kind + "-" + thread + "-" + pair;
  }

  /** Checks every request's headers and decodes its body strictly. */
  private static Received decode(List<ReceivedRequest> requests) {
    String authorization = "Basic " + Base64.getEncoder()
        .encodeToString((PUBLIC_KEY + ":" + SECRET_KEY).getBytes(StandardCharsets.UTF_8));
    Received received = new Received();
    Set<String> spanIds = new HashSet<>();
    for (ReceivedRequest request : requests) {
      assertThat(request.method()).isEqualTo("POST");
      assertThat(request.path()).isEqualTo(FluxTracerBuilder.LANGFUSE_OTLP_PATH);
      assertThat(request.header("Authorization")).isEqualTo(authorization);
      assertThat(request.header("x-langfuse-ingestion-version")).isEqualTo("4");
      assertThat(request.header("x-langfuse-public-key")).isEqualTo(PUBLIC_KEY);
      assertThat(request.header("Content-Type")).isEqualTo("application/x-protobuf");
      assertThat(request.header("Content-Encoding")).isEqualTo("gzip");
      byte[] body = request.body();
      List<Span> spans = OtlpJson.spans(request.traces());
      received.spanCount += spans.size();
      received.rawBytes += request.rawBody().length;
      received.uncompressedBytes += body.length;
      received.largestBatch = Math.max(received.largestBatch, spans.size());
      for (Span span : spans) {
        spanIds.add(OtlpJson.spanId(span));
        received.names.put(span.getName(), span);
      }
    }
    assertThat(spanIds).as("distinct span ids").hasSize(received.spanCount);
    return received;
  }

  /** What the receiver got, decoded. */
  private static final class Received {
    final Map<String, Span> names = new HashMap<>();
    int spanCount;
    long rawBytes;
    long uncompressedBytes;
    int largestBatch;
  }
}
