package io.fluxtrace;

import static io.fluxtrace.TracerFaultMatrixTest.endSpans;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.testing.OtlpReceiver;
import io.fluxtrace.testing.ThrowingLoggers;
import java.io.Writer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Loggers;

/**
 * Nothing a user plugs in can break the accounting (issue 11, item 3): a Reactor logger that throws on every level,
 * a masker and an ObjectMapper that throw, an {@link Error} that is not JVM-fatal. Every span still ends in exactly
 * one counted outcome, nothing stays queued, every flush completes, and nothing is thrown into the application.
 */
@Timeout(120)
class AccountingNothingBreaksTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int ENDERS = 4;
  private static final int SPANS_PER_ENDER = 25_000;

  static Stream<Arguments> failures() {
    Supplier<Throwable> runtime = () -> new IllegalStateException("logger broken");
    Supplier<Throwable> error = () -> new Error("logger broken (an Error that is not JVM-fatal)");
    return Stream.of(
        Arguments.of("RuntimeException from fluxtrace's loggers", runtime, "io.fluxtrace"),
        Arguments.of("Error from fluxtrace's loggers", error, "io.fluxtrace"),
        // Reactor Netty's own loggers then throw too, which breaks its connections: every export fails, and the
        // accounting must still be exact.
        Arguments.of("Error from every logger", error, ""));
  }

  /**
   * Issue 11 measured, with BlockHound throwing on the console logger's stderr writes: after shutdown, 20,826 of
   * 300,000 spans stayed queued forever and flushBlocking(30 s) returned completed=false. Here the logger throws on
   * every call, during an outage (drop warnings, export failures, retries), after it, and during a shutdown with the
   * backend down again. The loggers are taken while the tracer is built and throw from right after (as BlockHound
   * installed after the tracer was built does).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aThrowingLoggerDuringAnOutageAndDuringShutdownLeavesTheAccountingExact(
      String kind, Supplier<Throwable> failure, String throwingLoggers) {
    // The receiver first: it is the test's, and it logs through Reactor's Loggers too.
    try (OtlpReceiver receiver = OtlpReceiver.start();
        ThrowingLoggers loggers = ThrowingLoggers.installDisarmed(failure, throwingLoggers)) {
      receiver.stop();
      FluxTracer tracer = FluxTracer.builder(Map.of())
          .publicKey("pk-lf-throwing-logger")
          .secretKey("sk-lf-throwing-logger")
          .baseUrl(receiver.baseUrl())
          .shutdownHook(false)
          .maxQueuedSpans(2_048)
          .flushAt(256)
          .flushInterval(Duration.ofMillis(50))
          .maxExportAttempts(2)
          .initialBackoff(Duration.ofMillis(10))
          .maxBackoff(Duration.ofMillis(20))
          .timeout(Duration.ofSeconds(5))
          .shutdownTimeout(Duration.ofSeconds(5))
          .build();
      loggers.arm();

      assertThatCode(() -> endOnNonBlockingThreads(tracer, "outage-")).doesNotThrowAnyException();
      FlushResult duringOutage = tracer.flushBlocking(WAIT);
      assertThat(duringOutage.completed()).as("flush during the outage completed: %s", duringOutage).isTrue();
      assertExact(duringOutage.stats(), (long) ENDERS * SPANS_PER_ENDER);
      assertThat(duringOutage.stats().droppedQueueFull()).isPositive();
      assertThat(duringOutage.stats().failedTotal()).as("%s", duringOutage).isPositive();

      receiver.restart();
      List<String> later = endSpans(tracer, "after-outage-", 1_000);
      FlushResult recovered = tracer.flushBlocking(WAIT);
      assertThat(recovered.completed()).as("flush after the outage completed").isTrue();
      if (!throwingLoggers.isEmpty()) {
        assertThat(recovered.stats().exported()).as("%s", recovered).isEqualTo(later.size());
      }
      assertExact(recovered.stats(), (long) ENDERS * SPANS_PER_ENDER + later.size());

      receiver.stop();
      List<String> atShutdown = endSpans(tracer, "at-shutdown-", 3_000);
      FlushResult closed = Objects.requireNonNull(tracer.shutdown().block(WAIT));
      assertExact(closed.stats(), (long) ENDERS * SPANS_PER_ENDER + later.size() + atShutdown.size());
      assertThat(tracer.flushBlocking(WAIT).completed()).as("flush after shutdown completed").isEqualTo(
          closed.completed());
      assertThat(loggers.calls()).as("the logger was called, and threw, %s", kind).isPositive();
    }
  }

  /**
   * Reactor's console logger writes to stderr, which BlockHound (installed in this JVM) refuses on the export
   * worker, a non-blocking thread, by throwing {@code BlockingOperationError}: the case, for real.
   */
  @Test
  void consoleLoggingRefusedByBlockHoundOnTheExportThreadLeavesTheAccountingExact() {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      receiver.stop();
      Loggers.useConsoleLoggers();
      FluxTracer tracer;
      try {
        tracer = FluxTracer.builder(Map.of())
            .otlpEndpoint(receiver.url("/v1/traces"))
            .shutdownHook(false)
            .maxQueuedSpans(1_024)
            .flushAt(128)
            .flushInterval(Duration.ofMillis(50))
            .maxExportAttempts(2)
            .initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(20))
            .shutdownTimeout(Duration.ofSeconds(5))
            .build();
      } finally {
        Loggers.resetLoggerFactory();
      }
      assertThatCode(() -> endOnNonBlockingThreads(tracer, "console-")).doesNotThrowAnyException();
      FlushResult duringOutage = tracer.flushBlocking(WAIT);
      assertThat(duringOutage.completed()).as("%s", duringOutage).isTrue();
      assertExact(duringOutage.stats(), (long) ENDERS * SPANS_PER_ENDER);
      assertThat(duringOutage.stats().droppedQueueFull()).isPositive();

      List<String> atShutdown = endSpans(tracer, "at-shutdown-", 2_000);
      FlushResult closed = Objects.requireNonNull(tracer.shutdown().block(WAIT));
      assertExact(closed.stats(), (long) ENDERS * SPANS_PER_ENDER + atShutdown.size());
      assertThat(tracer.flushBlocking(WAIT).completed()).isEqualTo(closed.completed());
    }
  }

  /** A masker that throws an Error and an ObjectMapper that throws, with the logger throwing too. */
  @Test
  void aThrowingMaskerObjectMapperAndLoggerNeverReachTheApplicationAndEverySpanIsCounted() {
    ObjectMapper throwingMapper = new ObjectMapper() {
      @Override
      public void writeValue(Writer w, Object value) {
        throw new Error("mapper broken");
      }

      @Override
      public void writeValue(JsonGenerator g, Object value) {
        throw new IllegalStateException("mapper broken");
      }
    };
    ContentMasker throwingMasker = (kind, value) -> {
      if (value instanceof String s && s.startsWith("secret")) {
        throw new Error("masker broken");
      }
      return value;
    };
    try (OtlpReceiver receiver = OtlpReceiver.start();
        ThrowingLoggers loggers = ThrowingLoggers.install(() -> new Error("logger broken"), "io.fluxtrace")) {
      FluxTracer tracer = FluxTracer.builder(Map.of())
          .otlpEndpoint(receiver.url("/v1/traces"))
          .shutdownHook(false)
          .objectMapper(throwingMapper)
          .masker(throwingMasker)
          .flushAt(100)
          .build();
      Scheduler threads = Schedulers.parallel();
      int spans = 2_000;
      assertThatCode(() -> Flux.range(0, spans)
              .parallel(ENDERS)
              .runOn(threads)
              .doOnNext(i -> {
                Span span = tracer.startSpan("hostile-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY)
                    .input("secret " + i)
                    .output(Map.of("answer", i))
                    .metadata("key", List.of(i));
                if (i % 3 == 0) {
                  span.endWithError(new IllegalStateException("failed " + i));
                } else {
                  span.end();
                }
              })
              .sequential()
              .blockLast(WAIT))
          .doesNotThrowAnyException();

      FlushResult result = Objects.requireNonNull(tracer.shutdown().block(WAIT));

      assertThat(result.completed()).isTrue();
      assertThat(result.stats().exported()).isEqualTo(spans);
      assertExact(result.stats(), spans);
      assertThat(result.stats().maskingFailures()).as("%s", result).isEqualTo(spans);
      assertThat(result.stats().contentReplaced()).isPositive();
      assertThat(loggers.calls()).isPositive();
    }
  }

  /** A custom exporter that throws Errors (not JVM-fatal) in every way it can: each span is still counted once. */
  @Test
  void anExporterThrowingErrorsIsCountedAndFlushAndShutdownComplete() {
    try (ThrowingLoggers loggers = ThrowingLoggers.install(() -> new Error("logger broken"), "io.fluxtrace")) {
      int[] call = {0};
      FluxTracer tracer = FluxTracer.builder(Map.of())
          .shutdownHook(false)
          .flushAt(10)
          .exporter(new io.fluxtrace.export.SpanExporter() {
            @Override
            public Mono<io.fluxtrace.export.ExportResult> export(List<SpanData> batch) {
              int n = call[0]++;
              if (n % 3 == 0) {
                throw new Error("exporter broken");
              }
              if (n % 3 == 1) {
                return Mono.error(new Error("export failed"));
              }
              return Mono.just(io.fluxtrace.export.ExportResult.success(batch.size()));
            }

            @Override
            public Mono<Void> shutdown() {
              throw new Error("shutdown broken");
            }
          })
          .build();

      for (int i = 0; i < 95; i++) {
        tracer.startSpan("s" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
      }
      FlushResult flushed = tracer.flushBlocking(WAIT);
      assertThat(flushed.completed()).isTrue();
      assertExact(flushed.stats(), 95);
      assertThat(flushed.stats().exported()).isEqualTo(
          95 - flushed.stats().failed(FailureReason.INTERNAL_ERROR));
      FlushResult closed = Objects.requireNonNull(tracer.shutdown().block(WAIT));
      assertThat(closed.completed()).isTrue();
      assertExact(closed.stats(), 95);
    }
  }

  private static void endOnNonBlockingThreads(FluxTracer tracer, String prefix) {
    Flux.range(0, ENDERS)
        .flatMap(ender -> Mono.fromRunnable(() -> {
          for (int i = 0; i < SPANS_PER_ENDER; i++) {
            tracer.startSpan(prefix + ender + "-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY)
                .input("question " + i).end();
          }
        }).subscribeOn(Schedulers.parallel()), ENDERS)
        .blockLast(WAIT);
  }

  /** Started == ended == exported + failed + dropped, and nothing left in the pipeline. */
  private static void assertExact(TracerStats stats, long spans) {
    assertThat(stats.spansStarted()).as("started: %s", stats).isEqualTo(spans);
    assertThat(stats.spansEnded()).as("ended: %s", stats).isEqualTo(spans);
    assertThat(stats.exported() + stats.failedTotal() + stats.dropped()).as("accounted: %s", stats).isEqualTo(spans);
    assertThat(stats.queuedSpans()).as("queued: %s", stats).isZero();
    assertThat(stats.queuedBytes()).as("queued bytes: %s", stats).isZero();
  }
}
