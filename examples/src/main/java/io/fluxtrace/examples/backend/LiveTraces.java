package io.fluxtrace.examples.backend;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Renders each trace a {@link LocalOtlpReceiver} receives, for a long-running server, where there is no end of the
 * run to wait for. A trace is rendered once its root has arrived and no span of it has arrived for a grace period:
 * the root ends last, but export batches travel concurrently, so a child's batch may arrive just after it. Spans
 * whose root does not arrive within {@code maxWait} of the first of them (the children of a request that is still
 * running, or a span that arrived after its trace was rendered) are rendered then, on their own.
 */
public final class LiveTraces implements Consumer<List<ReceivedSpan>>, Disposable {

  /** How long spans wait for their root before they are rendered without it. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofMinutes(1);

  private final Sinks.Many<ReceivedSpan> spans = Sinks.many().unicast().onBackpressureBuffer();
  private final Disposable subscription;

  /**
   * Hands each rendered trace ({@link TraceTree#render}) to {@code out}, on a thread that may block, {@code grace}
   * after the last of its spans arrived, once its root has arrived.
   */
  public LiveTraces(Duration grace, Consumer<String> out) {
    this(grace, DEFAULT_MAX_WAIT, Schedulers.parallel(), out);
  }

  /**
   * As {@link #LiveTraces(Duration, Consumer)}, waiting at most {@code maxWait} for a root, with the waits timed on
   * {@code timer} (a virtual-time scheduler in tests).
   */
  public LiveTraces(Duration grace, Duration maxWait, Scheduler timer, Consumer<String> out) {
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(maxWait, "maxWait");
    Objects.requireNonNull(timer, "timer");
    Objects.requireNonNull(out, "out");
    this.subscription = spans.asFlux()
        .groupBy(ReceivedSpan::traceId)
        .flatMap(trace -> trace
            .publish(shared -> shared.buffer(Flux.firstWithSignal(
                shared.skipUntil(LiveTraces::isRoot).switchMap(span -> Mono.delay(grace, timer)),
                Mono.delay(maxWait, timer))))
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
