package io.fluxtrace.internal.pipeline;

import io.fluxtrace.FailureReason;
import io.fluxtrace.SpanData;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.export.SpanExporter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A test exporter whose exports complete only when the test says so (or at once, when auto-completing), and
 * which records every call, how many were in flight at most, and its shutdown. Public for the tracer's tests.
 */
public final class GatedExporter<T> implements BatchExporter<T> {

  /** One export call; complete it with {@link #succeed()} or {@link #fail}. */
  public final class Call {
    public final List<T> batch;
    final Sinks.One<ExportResult> result = Sinks.one();
    final AtomicBoolean open = new AtomicBoolean(true);
    public volatile boolean cancelled;

    Call(List<T> batch) {
      this.batch = batch;
    }

    public void succeed() {
      complete(ExportResult.success(batch.size()));
    }

    public void fail(FailureReason reason) {
      complete(ExportResult.failure(batch.size(), reason));
    }

    /** Completes the call unless it was already; the export counts as finished before the result is out. */
    boolean complete(ExportResult exportResult) {
      if (!open.compareAndSet(true, false)) {
        return false;
      }
      inFlight.decrementAndGet();
      result.tryEmitValue(exportResult);
      return true;
    }
  }

  private final boolean autoSucceed;
  public final List<Call> calls = new CopyOnWriteArrayList<>();
  public final List<String> events = new CopyOnWriteArrayList<>();
  final AtomicInteger inFlight = new AtomicInteger();
  public final AtomicInteger maxInFlight = new AtomicInteger();

  private GatedExporter(boolean autoSucceed) {
    this.autoSucceed = autoSucceed;
  }

  /** Exports complete only when the test completes them. */
  public static <T> GatedExporter<T> gated() {
    return new GatedExporter<>(false);
  }

  /** Exports succeed at once. */
  public static <T> GatedExporter<T> succeeding() {
    return new GatedExporter<>(true);
  }

  @Override
  public Mono<ExportResult> export(List<T> batch) {
    Call call = new Call(new ArrayList<>(batch));
    calls.add(call);
    events.add("export");
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    if (autoSucceed) {
      call.succeed();
    }
    return call.result.asMono().doOnCancel(() -> call.cancelled = true);
  }

  @Override
  public Mono<Void> shutdown() {
    return Mono.fromRunnable(() -> events.add("shutdown"));
  }

  /** This exporter as the tracer's exporter SPI. */
  public static SpanExporter asSpanExporter(GatedExporter<SpanData> exporter) {
    return new SpanExporter() {
      @Override
      public Mono<ExportResult> export(List<SpanData> batch) {
        return exporter.export(batch);
      }

      @Override
      public Mono<Void> shutdown() {
        return exporter.shutdown();
      }
    };
  }

  /** The sizes of the batches exported so far, in order. */
  public List<Integer> batchSizes() {
    return calls.stream().map(c -> c.batch.size()).toList();
  }

  /** Every item exported so far, in export order. */
  public List<T> items() {
    return calls.stream().flatMap(c -> c.batch.stream()).toList();
  }

  public Call call(int index) {
    return calls.get(index);
  }

  /** Completes, successfully, every call made so far that has not completed yet; returns how many. */
  public int succeedPending() {
    int n = 0;
    for (Call call : calls) {
      if (call.complete(ExportResult.success(call.batch.size()))) {
        n++;
      }
    }
    return n;
  }

  /** Completes exports, including those that each completion lets out, until none is left. */
  public void succeedUntilIdle() {
    int completed;
    do {
      completed = succeedPending();
    } while (completed > 0);
  }
}
