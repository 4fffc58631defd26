package io.fluxtrace.examples.backend;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Renders each trace a {@link LocalOtlpReceiver} receives, for a long-running server, where there is no end of the
 * run to wait for. A trace is rendered a moment after its root arrives: the root ends last, but export batches
 * travel concurrently, so a child may arrive just after it. A span that arrives later still is rendered as a trace
 * of its own.
 */
public final class LiveTraces implements Consumer<List<ReceivedSpan>>, Disposable {

  private final Sinks.Many<ReceivedSpan> spans = Sinks.many().unicast().onBackpressureBuffer();
  private final Disposable subscription;

  /**
   * Hands each rendered trace ({@link TraceTree#render}) to {@code out}, on a thread that may block, {@code grace}
   * after its root arrived.
   */
  public LiveTraces(Duration grace, Consumer<String> out) {
    this.subscription = spans.asFlux()
        .groupBy(ReceivedSpan::traceId)
        .flatMap(trace -> trace
            .publish(shared -> shared.buffer(
                shared.filter(LiveTraces::isRoot).concatMap(root -> Mono.delay(grace))))
            .take(1), Integer.MAX_VALUE)
        .publishOn(Schedulers.boundedElastic())
        .subscribe(trace -> out.accept(TraceTree.render(trace)));
  }

  /** Takes the spans of one request; called by the receiver, possibly from several connections at once. */
  @Override
  public synchronized void accept(List<ReceivedSpan> batch) {
    for (ReceivedSpan span : batch) {
      spans.tryEmitNext(span); // fails only once disposed, when nothing is rendered any more
    }
  }

  /** A root of this application's part of the trace: no parent, or a parent in the caller's process. */
  private static boolean isRoot(ReceivedSpan span) {
    return span.parentSpanId() == null || span.isAppRoot();
  }

  @Override
  public void dispose() {
    subscription.dispose();
  }

  @Override
  public boolean isDisposed() {
    return subscription.isDisposed();
  }
}
