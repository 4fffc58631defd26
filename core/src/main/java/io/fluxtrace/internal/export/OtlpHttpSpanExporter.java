package io.fluxtrace.internal.export;

import io.fluxtrace.FailureReason;
import io.fluxtrace.SpanData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.transport.Halves;
import io.fluxtrace.internal.transport.HttpTransport;
import io.fluxtrace.internal.transport.OtlpHttpSender;
import io.fluxtrace.internal.transport.RetryPolicy;
import io.fluxtrace.internal.transport.SendResult;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;

/**
 * Exports batches as OTLP/HTTP (protobuf or JSON): encodes (and compresses) a batch, posts it with {@link OtlpHttpSender}, and
 * reports per batch how many spans were delivered and why the others failed.
 *
 * <p>A batch is encoded on the thread that calls {@link #export} (the pipeline's export scheduler), never on a
 * Netty event loop. When the backend answers 413, the batch is split in halves, each encoded on the export
 * scheduler and sent in turn, recursively; a single span that is still too large fails with
 * {@link FailureReason#PAYLOAD_TOO_LARGE}. An exception while encoding fails the batch with
 * {@link FailureReason#INTERNAL_ERROR}; nothing is thrown.
 */
public final class OtlpHttpSpanExporter implements SpanExporter {

  private final Logger log = SafeLogger.of(OtlpHttpSpanExporter.class);
  private final SpanBatchWriter writer;
  private final OtlpHttpSender sender;
  private final Scheduler scheduler;
  private final RateLimitedLog encodingFailureLogs = new RateLimitedLog(log, Duration.ofMinutes(1));
  private final RateLimitedLog tooLargeLogs = new RateLimitedLog(log, Duration.ofMinutes(1));

  OtlpHttpSpanExporter(SpanBatchWriter writer, OtlpHttpSender sender, Scheduler scheduler) {
    this.writer = writer;
    this.sender = sender;
    this.scheduler = scheduler;
  }

  /**
   * The exporter for a validated configuration: {@link OtlpJsonWriter} or {@link OtlpProtoWriter} (as the wire
   * settings say) over {@link LangfuseAttributes}, and a sender on {@code transport} whose
   * backoff timers and 413 re-encoding run on the configured export scheduler, or {@link Schedulers#parallel()}
   * when none is set.
   */
  public static OtlpHttpSpanExporter create(TracerConfig config, TracerMetrics metrics, HttpTransport transport) {
    Scheduler configured = config.lifecycle().exportScheduler();
    Scheduler scheduler = configured != null ? configured : Schedulers.parallel();
    LangfuseAttributes mapping = LangfuseAttributes.of(config);
    SpanBatchWriter writer = config.wire().protobuf()
        ? protobuf(new OtlpProtoWriter(mapping))
        : new OtlpJsonWriter(mapping)::encode;
    return new OtlpHttpSpanExporter(writer, new OtlpHttpSender(config.endpoint(), config.wire(), config.clock(),
        RetryPolicy.from(config.retry()), metrics, scheduler, transport), scheduler);
  }

  @Override
  public Mono<ExportResult> export(List<SpanData> batch) {
    if (batch.isEmpty()) {
      return Mono.just(ExportResult.success(0));
    }
    byte[] body;
    try {
      body = sender.encode(writer.body(batch));
    } catch (Throwable t) {
      Exceptions.throwIfJvmFatal(t);
      encodingFailureLogs.warn("fluxtrace: could not encode a batch of {} spans, which are dropped: {}",
          batch.size(), t.toString());
      return Mono.just(ExportResult.failure(batch.size(), FailureReason.INTERNAL_ERROR));
    }
    return sender.send(body)
        .flatMap(result -> settle(batch, body.length, result))
        .onErrorResume(t -> {
          // SendResult never errors; this guards the contract that export() always completes with a result.
          log.warn("fluxtrace: export of {} spans failed unexpectedly: {}", batch.size(), t.toString());
          return Mono.just(ExportResult.failure(batch.size(), FailureReason.INTERNAL_ERROR));
        });
  }

  private Mono<ExportResult> settle(List<SpanData> batch, int bodyBytes, SendResult result) {
    FailureReason failure = result.failure();
    if (failure == null) {
      return Mono.just(ExportResult.success(batch.size()));
    }
    if (failure == FailureReason.PAYLOAD_TOO_LARGE) {
      if (batch.size() > 1) {
        return Halves.send(batch, this::exportOnScheduler, ExportResult::plus);
      }
      SpanData span = batch.get(0);
      tooLargeLogs.warn("fluxtrace: the backend refused span {} of trace {} as too large (HTTP 413) even on its"
          + " own ({} bytes as sent); it is dropped. Lower maxValueBytes to truncate large inputs and outputs.",
          span.spanId(), span.traceId(), bodyBytes);
    }
    return Mono.just(ExportResult.failure(batch.size(), failure));
  }

  /** Re-encoding runs on the export scheduler, not on the event loop that delivered the 413. */
  private Mono<ExportResult> exportOnScheduler(List<SpanData> part) {
    return Mono.defer(() -> export(part)).subscribeOn(scheduler);
  }

  /** Releases the HTTP transport: the last of its exporters to release it disposes its pool and event loop. */
  @Override
  public Mono<Void> shutdown() {
    return sender.shutdown();
  }

  @Override
  public String toString() {
    return "OtlpHttpSpanExporter{" + sender + '}';
  }

  /** The protobuf writer builds a body in an array of its own: it is handed over without a second buffer. */
  private static SpanBatchWriter protobuf(OtlpProtoWriter proto) {
    return new SpanBatchWriter() {
      @Override
      public void write(List<SpanData> spans, OutputStream out) throws IOException {
        proto.encode(spans, out);
      }

      @Override
      public OtlpHttpSender.BodyWriter body(List<SpanData> spans) {
        return new OtlpHttpSender.BodyWriter() {
          @Override
          public void writeTo(OutputStream out) throws IOException {
            proto.encode(spans, out);
          }

          @Override
          public byte[] toByteArray(int sizeHint) {
            return proto.encode(spans);
          }
        };
      }
    };
  }

  /**
   * Writes a batch as one request body: {@link OtlpProtoWriter} (the default) or
   * {@link OtlpJsonWriter#encode(List, OutputStream)} in production.
   */
  @FunctionalInterface
  interface SpanBatchWriter {
    /** Writes the batch to {@code out}. */
    void write(List<SpanData> spans, OutputStream out) throws IOException;

    /** The batch as the sender takes a body. */
    default OtlpHttpSender.BodyWriter body(List<SpanData> spans) {
      return out -> write(spans, out);
    }
  }
}
