package io.fluxtrace.benchmarks.soak;

import io.fluxtrace.FailureReason;
import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.TracerStats;
import io.fluxtrace.benchmarks.soak.FaultyBackend.Phase;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Soak run: traced Mono and Flux pipelines of five shapes (a RAG chain with a streaming generation and an event, a
 * flaky tool retried by an agent, a stream cancelled by {@code take}, a step cut by {@code timeout}, an error passed
 * to the caller) start at a steady rate on Reactor's parallel and bounded-elastic threads, for a set duration, and
 * export to an in-process {@link FaultyBackend} that goes through a cycle of faults: healthy, 5xx and resets,
 * 429 with {@code Retry-After}, slow answers (some slower than the timeout), and down.
 *
 * <p>At the end the load stops, the backend heals, the tracer flushes and closes, and the accounting is checked:
 * every span the harness started was ended, every ended span has exactly one counted outcome, the pipeline never
 * held more than its bounds, the backend stored no more distinct spans than were exported plus those counted as
 * possibly delivered (timeouts), nothing was stored twice, no attempt budget was exceeded, and every pipeline gave
 * its application exactly the result it would have given without tracing. Prints the figures; exits with status 1
 * if anything is unaccounted for. Not run in CI.
 *
 * <pre>
 * java -cp "$(cat /tmp/cp.txt):benchmarks/target/classes" io.fluxtrace.benchmarks.soak.SoakHarness \
 *     --duration=10m --rate=300 --cycle=60s
 * </pre>
 */
public final class SoakHarness {

  private static final int MAX_QUEUED_SPANS = 5_000;
  private static final long MAX_QUEUED_BYTES = 8L * 1024 * 1024;
  private static final int MAX_EXPORT_ATTEMPTS = 4;
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final Duration duration;
  private final int rate;
  private final Duration cycle;
  private final Duration reportEvery;

  private final LongAdder tracesStarted = new LongAdder();
  private final LongAdder tracesDone = new LongAdder();
  private final LongAdder expectedSpans = new LongAdder();
  private final LongAdder wrongResults = new LongAdder();
  private final LongAdder skippedTicks = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong maxQueuedSpans = new AtomicLong();
  private final AtomicLong maxQueuedBytes = new AtomicLong();
  private final AtomicLong maxHeapUsed = new AtomicLong();
  private final List<String> wrongExamples = new ArrayList<>();

  private SoakHarness(Duration duration, int rate, Duration cycle, Duration reportEvery) {
    this.duration = duration;
    this.rate = rate;
    this.cycle = cycle;
    this.reportEvery = reportEvery;
  }

  /**
   * Runs the soak. Options: {@code --duration=10m} (also {@code 600s}, {@code 1h} or ISO-8601), {@code --rate=300}
   * traces per second, {@code --cycle=60s} for one round of faults, {@code --report=30s} between status lines.
   */
  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofMinutes(10);
    int rate = 300;
    Duration cycle = Duration.ofSeconds(60);
    Duration report = Duration.ofSeconds(30);
    for (String arg : args) {
      String[] kv = arg.replaceFirst("^--", "").split("=", 2);
      String value = kv.length > 1 ? kv[1] : "";
      switch (kv[0]) {
        case "duration" -> duration = parseDuration(value);
        case "rate" -> rate = Integer.parseInt(value);
        case "cycle" -> cycle = parseDuration(value);
        case "report" -> report = parseDuration(value);
        default -> throw new IllegalArgumentException("unknown option " + arg
            + "; use --duration=10m --rate=300 --cycle=60s --report=30s");
      }
    }
    boolean accounted = new SoakHarness(duration, rate, cycle, report).run();
    System.exit(accounted ? 0 : 1);
  }

  private static Duration parseDuration(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    }
    if (v.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    if (v.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    if (v.endsWith("h")) {
      return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    return Duration.parse(value);
  }

  /** The phase at {@code elapsed} into the run: a third healthy, then each fault in turn with a healthy gap. */
  private Phase phaseAt(Duration elapsed) {
    double at = (elapsed.toMillis() % cycle.toMillis()) / (double) cycle.toMillis();
    if (at < 0.34) {
      return Phase.HEALTHY;
    } else if (at < 0.42) {
      return Phase.ERRORS;
    } else if (at < 0.50) {
      return Phase.HEALTHY;
    } else if (at < 0.58) {
      return Phase.THROTTLED;
    } else if (at < 0.66) {
      return Phase.HEALTHY;
    } else if (at < 0.76) {
      return Phase.SLOW;
    } else if (at < 0.84) {
      return Phase.HEALTHY;
    } else if (at < 0.97) {
      return Phase.DOWN;
    }
    return Phase.HEALTHY;
  }

  private boolean run() throws Exception {
    System.out.printf(Locale.ROOT, "soak: duration=%s rate=%d traces/s cycle=%s maxQueuedSpans=%d maxQueuedBytes=%d"
        + " timeout=%s maxExportAttempts=%d, java %s, %d cpus, max heap %d MB%n", duration, rate, cycle,
        MAX_QUEUED_SPANS, MAX_QUEUED_BYTES, TIMEOUT, MAX_EXPORT_ATTEMPTS, System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
    FaultyBackend backend = FaultyBackend.start(TIMEOUT.multipliedBy(2));
    FluxTracer tracer = FluxTracer.builder(Map.of())
        .publicKey("pk-lf-soak")
        .secretKey("sk-lf-soak")
        .baseUrl(backend.baseUrl())
        .shutdownHook(false)
        .flushAt(200)
        .flushInterval(Duration.ofMillis(500))
        .timeout(TIMEOUT)
        .maxQueuedSpans(MAX_QUEUED_SPANS)
        .maxQueuedBytes(MAX_QUEUED_BYTES)
        .maxExportAttempts(MAX_EXPORT_ATTEMPTS)
        .initialBackoff(Duration.ofMillis(200))
        .maxBackoff(Duration.ofSeconds(2))
        .shutdownTimeout(Duration.ofSeconds(30))
        .build();
    ReactorTracing tracing = ReactorTracing.create(tracer);
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "soak-clock");
      t.setDaemon(true);
      return t;
    });
    long start = System.nanoTime();
    clock.scheduleAtFixedRate(() -> {
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      Phase next = phaseAt(elapsed);
      if (next != backend.phase()) {
        backend.phase(next);
      }
      sample(tracer);
    }, 0, 100, TimeUnit.MILLISECONDS);
    clock.scheduleAtFixedRate(() -> status(Duration.ofNanos(System.nanoTime() - start), tracer, backend),
        reportEvery.toMillis(), reportEvery.toMillis(), TimeUnit.MILLISECONDS);

    // Stopping the ticks, not cancelling the requests: those in flight finish as they would have.
    Sinks.Empty<Void> stop = Sinks.empty();
    Disposable load = Flux.interval(Duration.ofNanos(1_000_000_000L / rate), Schedulers.parallel())
        .takeUntilOther(stop.asMono())
        .onBackpressureDrop(tick -> skippedTicks.increment())
        .flatMap(tick -> trace(tracing, tick), 4 * rate)
        .subscribe();

    long end = start + duration.toNanos();
    while (System.nanoTime() < end) {
      Thread.sleep(Math.min(1000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
    }
    stop.tryEmitEmpty();
    long settleDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (inFlight.get() > 0 && System.nanoTime() < settleDeadline) {
      Thread.sleep(50);
    }
    load.dispose();
    clock.shutdownNow();
    clock.awaitTermination(10, TimeUnit.SECONDS);
    backend.phase(Phase.HEALTHY);
    FlushResult flushed = tracer.flushBlocking(Duration.ofSeconds(60));
    tracer.close();
    sample(tracer);
    TracerStats stats = tracer.stats();
    status(Duration.ofNanos(System.nanoTime() - start), tracer, backend);
    boolean accounted = report(stats, flushed, backend);
    backend.close();
    return accounted;
  }

  private void sample(FluxTracer tracer) {
    TracerStats stats = tracer.stats();
    maxQueuedSpans.accumulateAndGet(stats.queuedSpans(), Math::max);
    maxQueuedBytes.accumulateAndGet(stats.queuedBytes(), Math::max);
    maxHeapUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
  }

  private void status(Duration elapsed, FluxTracer tracer, FaultyBackend backend) {
    TracerStats s = tracer.stats();
    System.out.printf(Locale.ROOT, "[%5ds] %-9s traces=%d/%d inFlight=%d ended=%d exported=%d failed=%d dropped=%d"
            + " queued=%d/%dKB retries=%d batches=%d heap=%dMB | backend requests=%d refused=%d stored=%d%n",
        elapsed.toSeconds(), backend.phase(), tracesDone.sum(), tracesStarted.sum(), inFlight.get(), s.spansEnded(),
        s.exported(), s.failed(), s.dropped(), s.queuedSpans(), s.queuedBytes() >> 10, s.retries(),
        s.batches(), ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20, backend.requests(),
        backend.refusedByPhase(), backend.distinctSpans());
  }

  private boolean report(TracerStats s, FlushResult flushed, FaultyBackend backend) {
    long possiblyDelivered = s.failed(FailureReason.TIMEOUT) + s.failed(FailureReason.SHUTDOWN_DEADLINE);
    System.out.println();
    System.out.println("soak accounting");
    System.out.printf(Locale.ROOT, "  traces                 %d started, %d completed, %d ticks skipped%n",
        tracesStarted.sum(), tracesDone.sum(), skippedTicks.sum());
    System.out.printf(Locale.ROOT, "  spans                  %d expected, %d started, %d ended%n", expectedSpans.sum(),
        s.spansStarted(), s.spansEnded());
    System.out.printf(Locale.ROOT, "  outcomes               %d exported + %d failed + %d dropped = %d%n", s.exported(),
        s.failed(), s.dropped(), s.exported() + s.failed() + s.dropped());
    System.out.printf(Locale.ROOT, "  failed by reason       %s%n", s.failedByReason());
    System.out.printf(Locale.ROOT, "  dropped                %d queue full, %d after close%n", s.droppedQueueFull(),
        s.droppedAfterClose());
    System.out.printf(Locale.ROOT, "  export                 %d batches, %d retries, %d bytes sent%n", s.batches(),
        s.retries(), s.bytesSent());
    System.out.printf(Locale.ROOT, "  backend                %d requests (%d refused by the fault), %d spans stored, %d"
        + " distinct, %d duplicates, %d unreadable%n", backend.requests(), backend.refusedByPhase(),
        backend.storedSpans(), backend.distinctSpans(), backend.duplicates(), backend.unreadable());
    System.out.printf(Locale.ROOT, "  bounds                 max %d queued spans (limit %d), max %d queued bytes (limit"
        + " %d), max heap used %d MB%n", maxQueuedSpans.get(), MAX_QUEUED_SPANS, maxQueuedBytes.get(),
        MAX_QUEUED_BYTES, maxHeapUsed.get() >> 20);
    System.out.printf(Locale.ROOT, "  content                %d replaced, %d truncated, %d masking failures, %d"
        + " invalid values, %d mutations after end%n", s.contentReplaced(), s.contentTruncated(), s.maskingFailures(),
        s.invalidValuesDropped(), s.mutationsAfterEnd());
    System.out.printf(Locale.ROOT, "  application            %d wrong results%s%n", wrongResults.sum(),
        wrongExamples.isEmpty() ? "" : ", for example " + wrongExamples);
    System.out.println();

    List<String> failures = new ArrayList<>();
    check(failures, flushed.completed(), "the final flush completed");
    check(failures, tracesDone.sum() == tracesStarted.sum(), "every trace completed");
    check(failures, s.spansStarted() == expectedSpans.sum(), "every span the load started was recorded");
    check(failures, s.spansEnded() == s.spansStarted(), "every started span was ended");
    check(failures, s.spansEnded() == s.exported() + s.failed() + s.dropped(),
        "ended == exported + failed + dropped");
    check(failures, s.queuedSpans() == 0 && s.queuedBytes() == 0, "nothing left in the pipeline");
    check(failures, maxQueuedSpans.get() <= MAX_QUEUED_SPANS && maxQueuedBytes.get() <= MAX_QUEUED_BYTES,
        "the pipeline never held more than its bounds");
    check(failures, backend.distinctSpans() >= s.exported(), "every exported span was stored by the backend");
    check(failures, backend.distinctSpans() <= s.exported() + possiblyDelivered,
        "the backend stored no span beyond those exported or counted as possibly delivered (timeouts)");
    check(failures, backend.duplicates() == 0, "no span was stored twice");
    check(failures, backend.unreadable() == 0, "every request was a readable OTLP export");
    check(failures, s.retries() <= s.batches() * (MAX_EXPORT_ATTEMPTS - 1L), "attempts per batch within the budget");
    check(failures, s.failed(FailureReason.INTERNAL_ERROR) == 0, "no span failed for an internal error");
    check(failures, wrongResults.sum() == 0, "every pipeline gave the application what it would without tracing");
    System.out.println(failures.isEmpty() ? "RESULT: everything accounted for"
        : "RESULT: UNACCOUNTED: " + String.join("; ", failures));
    return failures.isEmpty();
  }

  private static void check(List<String> failures, boolean ok, String what) {
    System.out.println("  [" + (ok ? " ok " : "FAIL") + "] " + what);
    if (!ok) {
      failures.add(what);
    }
  }

  // --- the load ---

  /** A chunk of a streamed answer; usage arrives with the last one. */
  private record Chunk(String text, @Nullable Map<String, Long> usage) {}

  /** One request of a random shape, started on a parallel or a bounded-elastic thread; never errors. */
  private Mono<Void> trace(ReactorTracing tracing, long tick) {
    int shape = (int) (tick % 20);
    String expected;
    int spans;
    Mono<String> request;
    if (shape < 12) {
      expected = "T0 T1 T2 T3 T4 ";
      spans = 5;
      request = rag(tracing, tick);
    } else if (shape < 15) {
      expected = "ok";
      spans = 3;
      request = retriedTool(tracing);
    } else if (shape < 17) {
      expected = "c0c1c2";
      spans = 2;
      request = cancelledStream(tracing);
    } else if (shape < 18) {
      expected = "timed out";
      spans = 2;
      request = timedOut(tracing);
    } else {
      IllegalArgumentException boom = new IllegalArgumentException("boom " + tick);
      expected = "caught the same exception";
      spans = 2;
      request = Mono.<String>error(boom)
          .transform(tracing.tool("failing").mono())
          .transform(tracing.chain("error").mono())
          .onErrorResume(e -> Mono.just(e == boom ? "caught the same exception" : "caught " + e));
    }
    return Mono.defer(() -> {
          tracesStarted.increment();
          inFlight.incrementAndGet();
          return request
              .contextWrite(TraceContext.userId("user-" + tick % 97))
              .contextWrite(TraceContext.sessionId("session-" + tick % 13))
              .contextWrite(TraceContext.tags("soak", "shape-" + shape));
        })
        .subscribeOn(tick % 2 == 0 ? Schedulers.parallel() : Schedulers.boundedElastic())
        .onErrorResume(e -> Mono.just("error " + e))
        .doOnNext(result -> {
          if (!expected.equals(result)) {
            wrong(shape + ": expected '" + expected + "', got '" + result + "'");
          }
        })
        .doFinally(signal -> {
          expectedSpans.add(spans);
          tracesDone.increment();
          inFlight.decrementAndGet();
        })
        .then();
  }

  private void wrong(String example) {
    wrongResults.increment();
    synchronized (wrongExamples) {
      if (wrongExamples.size() < 5) {
        wrongExamples.add(example);
      }
    }
  }

  /** retriever, generation (streamed), event, tool, chain: five spans. */
  private static Mono<String> rag(ReactorTracing tracing, long tick) {
    String question = "question " + tick;
    Mono<List<String>> docs = Mono.fromCallable(() -> List.of("doc-a " + tick, "doc-b " + tick))
        .subscribeOn(Schedulers.boundedElastic())
        .transform(tracing.retriever("search").input(question).mono());
    return docs
        .flatMap(found -> Flux.range(0, 5)
            .map(i -> new Chunk("t" + i + " ", i == 4 ? Map.of("input", 40L + found.size(), "output", 5L) : null))
            .publishOn(Schedulers.parallel())
            .transform(tracing.generation("answer").model("soak-model").modelParameter("temperature", 0.2)
                .input(found).usage(Chunk::usage).flux(Collectors.mapping(Chunk::text, Collectors.joining())))
            .map(Chunk::text)
            .collect(Collectors.joining()))
        .flatMap(text -> tracing.event("answered").input(text.length()).record().thenReturn(text))
        .flatMap(text -> Mono.fromCallable(() -> text.toUpperCase(Locale.ROOT)).transform(tracing.tool("format").mono()))
        .transform(tracing.chain("rag").input(question).mono());
  }

  /** A tool that fails on its first attempt, retried once by an agent: two tool spans and the agent's. */
  private static Mono<String> retriedTool(ReactorTracing tracing) {
    AtomicInteger attempts = new AtomicInteger();
    return Mono.defer(() -> attempts.getAndIncrement() == 0
            ? Mono.<String>error(new IllegalStateException("flaky"))
            : Mono.just("ok"))
        .transform(tracing.tool("flaky").mono())
        .retry(1)
        .transform(tracing.agent("agent").mono());
  }

  /** A long stream cut by take(3) downstream: the generation ends cancelled. */
  private static Mono<String> cancelledStream(ReactorTracing tracing) {
    return Flux.range(0, 1_000)
        .map(i -> "c" + i)
        .publishOn(Schedulers.parallel())
        .transform(tracing.generation("stream").flux(Collectors.joining()))
        .take(3)
        .collect(Collectors.joining())
        .transform(tracing.chain("cancel").mono());
  }

  /** A step slower than the caller's timeout: it ends cancelled and the caller recovers. */
  private static Mono<String> timedOut(ReactorTracing tracing) {
    return Mono.delay(Duration.ofSeconds(10))
        .thenReturn("late")
        .transform(tracing.tool("slow").mono())
        .timeout(Duration.ofMillis(5))
        .onErrorResume(TimeoutException.class, e -> Mono.just("timed out"))
        .transform(tracing.chain("timeout").mono());
  }
}
