package io.fluxtrace;

import static io.fluxtrace.TracerFaultMatrixTest.assertAccountedFor;
import static io.fluxtrace.TracerFaultMatrixTest.endSpans;
import static io.fluxtrace.TracerFaultMatrixTest.spanNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.testing.LogCapture;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The backend is unreachable while a million spans end on four non-blocking threads: the pipeline holds no more than
 * its configured spans and bytes (by its own accounting, sampled while ending, and by the heap), every span has
 * exactly one counted outcome, the drops are reported in rate-limited warnings that add up to the count, and export
 * resumes by itself once the backend is back.
 */
@Timeout(120)
class OutageTest {

  private static final int ENDERS = 4;
  private static final int SPANS_PER_ENDER = 250_000;
  private static final int MAX_QUEUED_SPANS = 4_096;
  /** About 1,500 spans of this test: the byte bound is the one that binds. */
  private static final long MAX_QUEUED_BYTES = 1024 * 1024;
  private static final int SAMPLE_EVERY = 500;
  /**
   * Generous: the pipeline's megabyte and whatever else the run keeps measure under 2 MB here, while a million
   * retained spans would take hundreds of megabytes.
   */
  private static final long HEAP_GROWTH_LIMIT = 64L * 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern DROP_WARNING = Pattern.compile("dropped (\\d+) spans because the pipeline was full");

  @Test
  void aMillionSpansEndedDuringAnOutageStayWithinTheBoundsAreAllCountedAndExportResumesByItself() {
    try (LogCapture logs = LogCapture.install(); OtlpReceiver receiver = OtlpReceiver.start()) {
      receiver.stop();
      FluxTracer tracer = FluxTracer.builder(Map.of())
          .publicKey("pk-lf-outage")
          .secretKey("sk-lf-outage")
          .baseUrl(receiver.baseUrl())
          .shutdownHook(false)
          .maxQueuedSpans(MAX_QUEUED_SPANS)
          .maxQueuedBytes(MAX_QUEUED_BYTES)
          .flushAt(512)
          .flushInterval(Duration.ofMillis(100))
          .maxExportAttempts(3)
          .initialBackoff(Duration.ofMillis(50))
          .maxBackoff(Duration.ofMillis(100))
          .timeout(Duration.ofSeconds(5))
          .build();
      Scheduler enders = Schedulers.newParallel("outage-ender", ENDERS);
      try {
        long heapBefore = usedHeapAfterGc();
        AtomicLong maxSpansSeen = new AtomicLong();
        AtomicLong maxBytesSeen = new AtomicLong();

        Flux.range(0, ENDERS)
            .flatMap(ender -> Mono.fromRunnable(() -> endWhileSampling(tracer, ender, maxSpansSeen, maxBytesSeen))
                .subscribeOn(enders), ENDERS)
            .blockLast(WAIT);

        long heapGrowth = usedHeapAfterGc() - heapBefore;
        TracerStats duringOutage = tracer.stats();
        assertThat(duringOutage.spansEnded()).isEqualTo((long) ENDERS * SPANS_PER_ENDER);
        assertThat(maxSpansSeen.get()).isPositive().isLessThanOrEqualTo(MAX_QUEUED_SPANS);
        assertThat(maxBytesSeen.get()).isPositive().isLessThanOrEqualTo(MAX_QUEUED_BYTES);
        assertThat(duringOutage.queuedSpans()).isLessThanOrEqualTo(MAX_QUEUED_SPANS);
        assertThat(duringOutage.queuedBytes()).isLessThanOrEqualTo(MAX_QUEUED_BYTES);
        assertThat(heapGrowth).as("heap growth in bytes").isLessThan(HEAP_GROWTH_LIMIT);
        assertThat(duringOutage.exported()).isZero();
        assertThat(duringOutage.droppedQueueFull()).isGreaterThan(ENDERS * SPANS_PER_ENDER / 2);

        receiver.restart();
        // No flush: the pipeline's own ticks and retries deliver what it held, then what ends later.
        await().atMost(WAIT).until(() -> tracer.stats().queuedSpans() == 0);
        long droppedBeforeRecovery = tracer.stats().droppedQueueFull();
        List<String> later = endSpans(tracer, "after-outage-", 100);
        Set<String> delivered = new HashSet<>();
        int[] parsed = {0};
        await().atMost(WAIT).until(() -> {
          List<ReceivedRequest> requests = receiver.requests();
          for (; parsed[0] < requests.size(); parsed[0]++) {
            delivered.addAll(spanNames(requests.get(parsed[0])));
          }
          return delivered.containsAll(later);
        });

        FlushResult closed = Objects.requireNonNull(tracer.shutdown().block(WAIT));
        assertThat(closed.completed()).isTrue();
        TracerStats end = closed.stats();
        assertThat(end.spansEnded()).isEqualTo((long) ENDERS * SPANS_PER_ENDER + later.size());
        assertThat(end.droppedQueueFull()).isEqualTo(droppedBeforeRecovery);
        assertThat(end.exported()).isGreaterThanOrEqualTo(later.size());
        assertThat(end.failed(FailureReason.RETRIES_EXHAUSTED)).isPositive();
        assertAccountedFor(end);
        assertThat(loggedDrops(logs)).as("drops reported in the warnings").isEqualTo(end.droppedQueueFull());
        assertThat(logs.count("WARN", "because the pipeline was full")).as("rate-limited").isLessThanOrEqualTo(3);
      } finally {
        enders.dispose();
        tracer.close();
      }
    }
  }

  private static void endWhileSampling(FluxTracer tracer, int ender, AtomicLong maxSpans, AtomicLong maxBytes) {
    for (int i = 0; i < SPANS_PER_ENDER; i++) {
      tracer.startSpan("outage", ObservationType.SPAN, null, TraceAttributes.EMPTY).input("question " + i).end();
      if (i % SAMPLE_EVERY == ender) {
        TracerStats stats = tracer.stats();
        maxSpans.accumulateAndGet(stats.queuedSpans(), Math::max);
        maxBytes.accumulateAndGet(stats.queuedBytes(), Math::max);
      }
    }
  }

  /** Twice: a single explicit collection sometimes leaves garbage from work that was still settling. */
  private static long usedHeapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static long loggedDrops(LogCapture logs) {
    long total = 0;
    for (LogCapture.Entry entry : logs.matching("WARN", "because the pipeline was full")) {
      Matcher matcher = DROP_WARNING.matcher(entry.message());
      assertThat(matcher.find()).as(entry.message()).isTrue();
      total += Long.parseLong(matcher.group(1));
    }
    return total;
  }
}
