package io.fluxtrace.internal.pipeline;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import io.fluxtrace.FailureReason;
import io.fluxtrace.export.ExportResult;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.concurrent.Queues;

/**
 * A bounded, flushable batching pipeline: items offered from any number of threads are batched by count, by
 * estimated bytes and by time on one serial worker, and exported with a bounded number of exports in flight.
 * Spans use it through {@link SpanPipeline}, scores through {@code internal.score.ScorePipeline}, with the same
 * guarantees.
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>{@link #offer} never blocks, never waits for another thread and never throws (it is lock-free). Every
 *       offered item reaches exactly one outcome of the {@link PipelineListener}.
 *   <li>Bounded: an item counts against {@code maxQueuedItems} and {@code maxQueuedBytes} from admission until
 *       its batch is settled (queued, batched and in flight alike), so a slow or unreachable backend backs up
 *       into that bound and never into memory. Past it, new items are refused and counted. The counts never
 *       exceed the bounds, not even for an instant.
 *   <li>{@link #flush} completes only when every item admitted before the call is settled (exported or
 *       definitively failed), whatever order the exports complete in. It never errors.
 *   <li>{@link #shutdown} flushes with the configured deadline, gives up on what is left (counted as
 *       {@link FailureReason#SHUTDOWN_DEADLINE}), shuts the exporter down and releases the worker.
 * </ul>
 *
 * <h2>How</h2>
 *
 * <p>Items travel through a unicast {@link Sinks.Many} to a {@link Batcher} that runs on a {@link SerialScheduler}
 * over the export scheduler, so that the batcher's state, its timer ticks and the export completions (hopped back
 * onto that worker) are never touched by two threads at once, whatever scheduler the user configured. With more than
 * one export slot, each export call (which encodes its batch) runs as a task of its own on the export scheduler,
 * which the pipeline makes with one thread per slot (up to the number of cores) when none is configured. The batcher
 * pulls: it takes items from the sink's queue (fused) only while no cut batch waits for an export slot, which is how
 * it honours the exports' demand, and the worker is woken only when the items waiting could fill a batch, on every
 * flush interval tick, and on flush, so that ending a span costs no task submission in the common case (as in
 * OpenTelemetry's BatchSpanProcessor). Flush requests travel in-band as markers: a marker cuts the batch being
 * filled and waits for the watermark of settled batch sequence numbers to reach the last batch cut before it. Room
 * under the bounds is reserved and given back by {@link Admission}.
 *
 * <p>Longer than 600 lines because the {@link Batcher} and {@link ExportCall} share the worker-confined state
 * (current batch, ready and exporting batches, the settled watermark, pending flushes, termination) whose
 * invariants (one outcome per item, the flush watermark) are only checkable when read in one place; admission
 * control, which is thread-safe and independent of that state, lives in {@link Admission}.
 *
 * @param <T> the item type
 */
public final class BatchingPipeline<T> {

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = SafeLogger.of(BatchingPipeline.class);

  /** At most one warning per minute about refused items, and one about failing exports. */
  private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);

  private final PipelineOptions options;
  private final ToLongFunction<? super T> sizer;
  private final BatchExporter<T> exporter;
  private final PipelineListener listener;
  private final Scheduler scheduler;
  private final @Nullable Scheduler ownedScheduler;
  private final Scheduler serial;
  private final Sinks.Many<Object> sink;
  private final Batcher batcher;
  private final AtomicReference<@Nullable Mono<Boolean>> shutdown = new AtomicReference<>();
  private final RateLimitedLog exportWarnings = new RateLimitedLog(log, WARNING_INTERVAL);

  private final Admission admission;
  /**
   * Items emitted but not yet taken by the batcher, in units of bytes plus {@link #itemWeight} per item: when
   * it reaches {@code maxBatchBytes} the waiting items could fill a batch by bytes or by count, and the worker
   * is woken.
   */
  private final AtomicLong waiting = new AtomicLong();
  private final long itemWeight;
  private final AtomicBoolean wakeScheduled = new AtomicBoolean();
  /** Flush markers emitted (or about to be) that the batcher has not taken yet; disposal waits for them. */
  private final AtomicInteger markersInTransit = new AtomicInteger();
  private volatile boolean closed;
  private volatile boolean disposing;
  /** The answer to flushes that arrive after disposal: false when shutdown gave up on items. */
  private volatile boolean endedCleanly = true;

  /**
   * Builds and starts the pipeline.
   *
   * @param sizer estimates an item's size in bytes, on the offering thread; must be cheap
   * @param exporter receives the batches, called on the pipeline's worker
   * @param listener receives every item's outcome
   */
  public BatchingPipeline(
      PipelineOptions options, ToLongFunction<? super T> sizer, BatchExporter<T> exporter, PipelineListener listener) {
    this.options = Objects.requireNonNull(options, "options");
    this.sizer = Objects.requireNonNull(sizer, "sizer");
    this.exporter = Objects.requireNonNull(exporter, "exporter");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.admission = new Admission(options, listener, log, WARNING_INTERVAL);
    Scheduler configured = options.scheduler();
    if (configured == Schedulers.immediate()) {
      throw new IllegalArgumentException("fluxtrace: the export scheduler must run tasks asynchronously;"
          + " Schedulers.immediate() would batch and export on the threads that end spans");
    }
    if (configured == null) {
      // One thread per export slot, up to the cores: export calls (which encode their batch) run side by side.
      int threads = Math.min(options.maxConcurrentExports(), Runtime.getRuntime().availableProcessors());
      String name = "fluxtrace-" + options.itemName() + "-export";
      Scheduler own = threads > 1 ? Schedulers.newParallel(name, threads, true) : Schedulers.newSingle(name, true);
      this.ownedScheduler = own;
      this.scheduler = own;
    } else {
      this.ownedScheduler = null;
      this.scheduler = configured;
    }
    this.serial = new SerialScheduler(scheduler);
    this.itemWeight = (options.maxBatchBytes() + options.maxBatchItems() - 1) / options.maxBatchItems();
    // Many threads emit concurrently into this sink, which is safe here (reactor-core 3.8.7, read in
    // SinkManyUnicast and SinksSpecs):
    // - Sinks.unsafe() returns the bare SinkManyUnicast, without the SinkManySerialized wrapper that would
    //   answer FAIL_NON_SERIALIZED to a concurrent emitter; the unicast spec's wrapMany(...) only wraps when
    //   `serialized` is true, which it is not for the unsafe root spec.
    // - SinkManyUnicast.tryEmitNext(t) checks done/cancelled, calls queue.offer(t) and then drain(), whose
    //   WIP counter lets exactly one thread run the drain loop while the others only increment it and return.
    //   So the queue has many producers and, at any time, one consumer: an MPSC queue is what it needs.
    //   Queues.unboundedMultiproducer() is Reactor's MPSC queue (lock-free offer, never fails, never spins).
    // - The batcher fuses with the sink (ASYNC): the sink's drain then only signals onNext(null), which the
    //   batcher ignores, and the batcher polls the queue itself on the export worker, the single consumer.
    //   Where fusion is unavailable (under automatic context propagation the sink wraps its subscriber), the
    //   sink's drain loop hands items over under its WIP guard, one consumer at a time, and the batcher queues
    //   them in its own MPSC queue.
    // - The queue is unbounded, but nothing enters it unless offer() reserved room under maxQueuedItems and
    //   maxQueuedBytes first, so it is bounded by admission control. We never complete the sink, and cancel
    //   it only once no reservation is outstanding, so an admitted item is never refused or lost by the sink.
    // The thread that wins the sink's WIP may loop a few times on behalf of concurrent emitters; each turn is
    // only a no-op onNext(null), and the total work equals one turn per emission.
    this.sink = Sinks.unsafe().many().unicast().onBackpressureBuffer(Queues.unboundedMultiproducer().get());
    this.batcher = new Batcher();
    sink.asFlux().subscribe(batcher);
  }

  /**
   * Builds and starts a pipeline that counts into {@code counters} and reports its gauges there: how the span and
   * score sides start theirs.
   */
  public static <T> BatchingPipeline<T> start(PipelineOptions options, ToLongFunction<? super T> sizer,
      BatchExporter<T> exporter, PipelineCounters counters) {
    // Reads the JVM's layout now, on the caller's thread, rather than on the first thread that offers an item.
    HeapLayout.CURRENT.alignment();
    BatchingPipeline<T> pipeline = new BatchingPipeline<>(options, sizer, exporter, counters);
    counters.gauges(pipeline::queuedItems, pipeline::queuedBytes);
    return pipeline;
  }

  /**
   * Hands one item to the pipeline from any thread: never blocks, never throws. The item is refused (and
   * counted) when the pipeline is full or shut down. Returns whether it was admitted.
   */
  public boolean offer(T item) {
    if (closed) {
      listener.droppedAfterClose(1);
      return false;
    }
    long size = Math.max(0, sizer.applyAsLong(item));
    if (!admission.tryAdmit(size)) {
      return false;
    }
    // Checked again after reserving: shutdown writes `closed` before it waits for the reservations to drain,
    // so an item either sees `closed` here, or its reservation is seen (and awaited) by shutdown.
    if (closed) {
      unreserve(1, size);
      listener.droppedAfterClose(1);
      return false;
    }
    listener.admitted();
    if (sink.tryEmitNext(new Entry<>(item, size)).isFailure()) {
      // Only if the batcher died of an unexpected error (it logged it).
      release(1, size);
      listener.failed(FailureReason.INTERNAL_ERROR, 1);
      return false;
    }
    if (waiting.addAndGet(size + itemWeight) >= options.maxBatchBytes() && !wakeScheduled.get()
        && wakeScheduled.compareAndSet(false, true)) {
      runOnWorker(batcher::drain);
    } else if (closed) {
      // Emitted concurrently with shutdown: the batcher no longer ticks, so make sure it takes the item.
      runOnWorker(batcher::drain);
    }
    return true;
  }

  /**
   * Refuses one item, and counts it like {@link #offer} does, when the pipeline already holds its maximum of items
   * or of bytes: the caller can then skip building an item that would only be dropped. Returns whether it refused;
   * after false, {@link #offer} may still refuse the item. Never blocks, never throws.
   */
  public boolean refuseIfFull() {
    return admission.refuseIfFull();
  }

  /**
   * Completes with true once every item admitted before this call is settled, or with false if shutdown gave
   * up on some of them first. Never errors. Each call is independent of the others.
   */
  public Mono<Boolean> flush() {
    return Mono.defer(() -> {
      markersInTransit.incrementAndGet();
      if (disposing) {
        markerWithdrawn();
        return Mono.just(endedCleanly);
      }
      FlushMarker marker = new FlushMarker();
      if (sink.tryEmitNext(marker).isFailure()) {
        markerWithdrawn();
        return Mono.just(false);
      }
      runOnWorker(batcher::drain);
      return marker.result.asMono();
    });
  }

  /**
   * Stops taking items, flushes within the configured shutdown timeout, gives up on what is left, shuts the
   * exporter down and releases the worker. Completes with whether the flush completed in time. Idempotent:
   * every call returns the same, cached outcome. Nothing happens until the first subscription.
   */
  public Mono<Boolean> shutdown() {
    return shutdown(options.shutdownTimeout());
  }

  /**
   * {@link #shutdown()} with {@code timeout} instead of the configured shutdown timeout: for the tracer, whose
   * shutdown drains first and leaves the pipelines only what is left of its deadline. The first call's timeout
   * counts; later calls return the same, cached outcome.
   */
  public Mono<Boolean> shutdown(Duration timeout) {
    Mono<Boolean> existing = shutdown.get();
    if (existing != null) {
      return existing;
    }
    Duration bounded = timeout.isNegative() ? Duration.ZERO : timeout;
    Mono<Boolean> created = Mono.defer(() -> doShutdown(bounded)).cache();
    return shutdown.compareAndSet(null, created) ? created : Objects.requireNonNull(shutdown.get());
  }

  /**
   * The export scheduler (the pipeline's own thread unless one was configured): for timers that must follow the
   * pipeline's (possibly virtual) clock. Its {@code now()} is that clock, which the serial worker's is not.
   */
  public Scheduler timer() {
    return scheduler;
  }

  /** Whether shutdown has begun: later items are refused. */
  public boolean isClosed() {
    return closed;
  }

  /** Items in the pipeline now: queued, batched or in flight. */
  public long queuedItems() {
    return admission.items();
  }

  /** Estimated bytes of the items in the pipeline now. */
  public long queuedBytes() {
    return admission.bytes();
  }

  private void release(long items, long bytes) {
    admission.release(items, bytes);
  }

  /** Takes back a reservation that never reached the batcher; disposal may have been waiting for it. */
  private void unreserve(long items, long bytes) {
    release(items, bytes);
    if (closed) {
      runOnWorker(batcher::maybeDispose);
    }
  }

  private void markerWithdrawn() {
    if (markersInTransit.decrementAndGet() == 0) {
      runOnWorker(batcher::maybeDispose);
    }
  }

  private Mono<Boolean> doShutdown(Duration timeout) {
    closed = true;
    long deadline = scheduler.now(NANOSECONDS) + timeout.toNanos();
    return flush()
        .timeout(timeout, Mono.just(false), serial)
        .flatMap(completed -> onWorker(() -> batcher.terminate(completed ? null : FailureReason.SHUTDOWN_DEADLINE))
            .thenReturn(completed))
        .flatMap(completed -> shutdownExporter(deadline).thenReturn(completed))
        .flatMap(completed -> onWorker(batcher::stop).thenReturn(completed));
  }

  /** Shuts the exporter down, waiting for it at most until the shutdown deadline, and never cancelling it. */
  private Mono<Void> shutdownExporter(long deadlineNanos) {
    Sinks.Empty<Void> done = Sinks.empty();
    try {
      exporter.shutdown().subscribe(
          ignored -> {},
          e -> {
            log.warn("fluxtrace: shutting down the {} exporter failed: {}", options.itemName(), describe(e));
            done.tryEmitEmpty();
          },
          done::tryEmitEmpty);
    } catch (Throwable t) {
      log.warn("fluxtrace: shutting down the {} exporter failed: {}", options.itemName(), describe(t));
      return Mono.empty();
    }
    long remaining = deadlineNanos - scheduler.now(NANOSECONDS);
    if (remaining <= 0) {
      return Mono.empty();
    }
    return done.asMono().timeout(Duration.ofNanos(remaining), Mono.empty(), serial);
  }

  /** Runs {@code task} on the worker and completes after it; completes at once if the worker is gone. */
  private Mono<Void> onWorker(Runnable task) {
    return Mono.create(s -> {
      try {
        serial.schedule(() -> {
          try {
            task.run();
          } finally {
            s.success();
          }
        });
      } catch (RejectedExecutionException e) {
        s.success();
      }
    });
  }

  private void runOnWorker(Runnable task) {
    try {
      serial.schedule(task);
    } catch (RejectedExecutionException e) {
      // The worker is released only after shutdown gave up on everything: nothing is left to do.
    }
  }

  /** An admitted item with the size it was admitted with, so that release subtracts exactly that. */
  private record Entry<T>(T item, long size) {}

  /** An in-band flush request. */
  private static final class FlushMarker {
    final Sinks.One<Boolean> result = Sinks.one();

    void complete(boolean completed) {
      result.tryEmitValue(completed);
    }
  }

  private record PendingFlush(long lastBatch, FlushMarker marker) {}

  private static final class Batch<T> {
    final long seq;
    /**
     * The items until the batch is handed to the exporter, then null: from then on the exporter holds what it needs
     * (for spans, their encoded form), and the items are not kept alive beside it.
     */
    @Nullable List<T> items;
    final int count;
    final long bytes;
    boolean abandoned;
    @Nullable Disposable call;

    Batch(long seq, List<T> items, long bytes) {
      this.seq = seq;
      this.items = items;
      this.count = items.size();
      this.bytes = bytes;
    }

    /** The items, for the exporter; the batch lets go of them. */
    List<T> handOver() {
      List<T> handed = Objects.requireNonNull(items, "items");
      items = null;
      return Collections.unmodifiableList(handed);
    }
  }

  /**
   * Takes items from the sink, cuts and exports batches. Every method except the subscriber's signals runs on
   * {@link #serial}, one at a time (wake-ups, ticks, flushes and export completions are all scheduled on it), so
   * the state needs no synchronization.
   */
  private final class Batcher implements CoreSubscriber<Object> {

    /** The sink's own queue when fused, else a local queue that {@link #onNext} fills. */
    private volatile Queue<Object> source = Queues.unboundedMultiproducer().get();
    private volatile @Nullable Subscription upstream;
    private List<T> current = new ArrayList<>();
    private long currentBytes;
    private final ArrayDeque<Batch<T>> ready = new ArrayDeque<>();
    private final List<Batch<T>> exporting = new ArrayList<>();
    /** Sequence number of the last batch cut. */
    private long lastCut;
    /** Every batch with a sequence number up to this one is settled. */
    private long settledThrough;
    private final TreeSet<Long> settledAhead = new TreeSet<>();
    private final ArrayDeque<PendingFlush> pendingFlushes = new ArrayDeque<>();
    /** After shutdown's flush: nothing is exported any more, every arriving item is given up. */
    private boolean terminated;
    private @Nullable FailureReason giveUpReason;
    private boolean stopped;
    private boolean disposed;
    private volatile @Nullable Disposable ticker;

    @Override
    @SuppressWarnings("unchecked")
    public void onSubscribe(Subscription subscription) {
      upstream = subscription;
      if (subscription instanceof Fuseable.QueueSubscription<?> fused
          && fused.requestFusion(Fuseable.ASYNC) == Fuseable.ASYNC) {
        source = (Queue<Object>) fused;
      } else {
        subscription.request(Long.MAX_VALUE);
      }
      long period = options.flushInterval().toNanos();
      ticker = serial.schedulePeriodically(this::tickSafely, period, period, NANOSECONDS);
    }

    /** On the emitting thread: null when fused (the item waits in the sink's queue), else the item itself. */
    @Override
    public void onNext(@Nullable Object value) {
      if (value != null) {
        source.offer(value);
      }
    }

    @Override
    public void onError(Throwable error) {
      // Not expected: the sink is never terminated.
      log.error("fluxtrace: the " + options.itemName() + " pipeline stopped unexpectedly", error);
      closed = true;
      runOnWorker(() -> terminate(FailureReason.INTERNAL_ERROR));
    }

    @Override
    public void onComplete() {
      onError(new IllegalStateException("the item sink completed"));
    }

    /**
     * Takes items and flush markers from the sink while no cut batch waits for an export slot. Runs when woken
     * because the waiting items could fill a batch, on every tick, flush and export completion.
     */
    void drain() {
      Queue<Object> queue = source;
      long taken = 0;
      while (terminated || ready.isEmpty()) {
        Object next = queue.poll();
        if (next == null) {
          break;
        }
        if (next instanceof FlushMarker marker) {
          onFlushMarker(marker);
        } else {
          @SuppressWarnings("unchecked")
          Entry<T> entry = (Entry<T>) next;
          taken += entry.size() + itemWeight;
          onEntry(entry);
        }
      }
      if (taken > 0) {
        waiting.addAndGet(-taken);
      }
      // While a cut batch waits for an export slot the wake-up flag stays set, so that emitters do not schedule
      // wake-ups that could not take anything; the export's completion drains instead. Otherwise later
      // emitters may wake us again. An emitter adds to `waiting` before it reads the flag and we clear the flag
      // before we read `waiting`, so one of us sees the other: no wake-up is lost.
      if (ready.isEmpty() && wakeScheduled.get()) {
        wakeScheduled.set(false);
        if (waiting.get() >= options.maxBatchBytes() && wakeScheduled.compareAndSet(false, true)) {
          runOnWorker(this::drain);
        }
      }
    }

    private void onEntry(Entry<T> entry) {
      if (terminated) {
        giveUp(1, entry.size());
        maybeDispose();
        return;
      }
      if (!current.isEmpty() && currentBytes + entry.size() > options.maxBatchBytes()) {
        cut();
      }
      current.add(entry.item());
      currentBytes += entry.size();
      if (current.size() >= options.maxBatchItems() || currentBytes >= options.maxBatchBytes()) {
        cut();
      }
      dispatch();
    }

    private void onFlushMarker(FlushMarker marker) {
      markersInTransit.decrementAndGet();
      if (terminated) {
        marker.complete(giveUpReason == null);
        maybeDispose();
        return;
      }
      if (!current.isEmpty()) {
        cut();
      }
      dispatch();
      if (lastCut <= settledThrough) {
        marker.complete(true);
      } else {
        pendingFlushes.add(new PendingFlush(lastCut, marker));
      }
    }

    /**
     * A periodic task that throws is never run again (the executor's rule), and without ticks partial batches
     * would wait forever: whatever a tick meets (a bug of ours, an Error from a callback) must not end the ticks.
     */
    private void tickSafely() {
      try {
        onTick();
      } catch (Throwable t) {
        Exceptions.throwIfJvmFatal(t);
        exportWarnings.warn("fluxtrace: the {} pipeline's timer met an unexpected error; it goes on: {}",
            options.itemName(), describe(t));
      }
    }

    private void onTick() {
      if (terminated) {
        return;
      }
      drain();
      if (!current.isEmpty()) {
        cut();
      }
      dispatch();
      admission.reportDrops();
    }

    private void cut() {
      ready.add(new Batch<>(++lastCut, current, currentBytes));
      current = new ArrayList<>();
      currentBytes = 0;
    }

    private void dispatch() {
      while (exporting.size() < options.maxConcurrentExports() && !ready.isEmpty()) {
        Batch<T> batch = ready.remove();
        exporting.add(batch);
        export(batch);
      }
    }

    private void export(Batch<T> batch) {
      ExportCall call = new ExportCall(batch);
      batch.call = call;
      if (options.maxConcurrentExports() == 1) {
        try {
          exporter.export(batch.handOver()).subscribe(call);
        } catch (Throwable t) {
          call.fail(t);
        }
        return;
      }
      // The export call encodes its batch: as a task of its own on the export scheduler, so that batches in
      // flight encode at once on as many threads as the scheduler has, and the worker goes on batching meanwhile.
      // A throwing exporter becomes an error signal, which the call settles like an error of the publisher. The
      // items go through a holder that lets go of them once handed over: the operators keep the deferred supplier
      // for the whole export, and the items must not stay reachable beside their encoded form.
      AtomicReference<@Nullable List<T>> holder = new AtomicReference<>(batch.handOver());
      Flux.defer(() -> exporter.export(Objects.requireNonNull(holder.getAndSet(null), "batch exported twice")))
          .subscribeOn(scheduler)
          .subscribe(call);
    }

    private void onSettled(Batch<T> batch, List<ExportResult> results) {
      if (batch.abandoned) {
        return;
      }
      exporting.remove(batch);
      int size = batch.count;
      int unaccounted = size;
      listener.batchCompleted();
      for (ExportResult result : results) {
        int exported = Math.min(result.exported(), unaccounted);
        unaccounted -= exported;
        int failed = Math.min(result.failed(), unaccounted);
        unaccounted -= failed;
        if (exported > 0) {
          listener.exported(exported);
        }
        if (failed > 0) {
          FailureReason reason = result.failureReason();
          listener.failed(reason != null ? reason : FailureReason.INTERNAL_ERROR, failed);
        }
      }
      if (unaccounted > 0) {
        listener.failed(FailureReason.INTERNAL_ERROR, unaccounted);
      }
      release(size, batch.bytes);
      markSettled(batch.seq);
      if (unaccounted > 0) {
        exportWarnings.warn("fluxtrace: the {} exporter reported {} of a batch of {}; the other {} are counted as"
            + " failed ({})", options.itemName(), size - unaccounted, size, unaccounted, FailureReason.INTERNAL_ERROR);
      }
      dispatch();
      completeFlushes();
      drain();
    }

    private void markSettled(long seq) {
      if (seq != settledThrough + 1) {
        settledAhead.add(seq);
        return;
      }
      settledThrough = seq;
      while (!settledAhead.isEmpty() && settledAhead.first() == settledThrough + 1) {
        settledThrough = settledAhead.pollFirst();
      }
    }

    private void completeFlushes() {
      while (!pendingFlushes.isEmpty() && pendingFlushes.peekFirst().lastBatch() <= settledThrough) {
        pendingFlushes.removeFirst().marker().complete(true);
      }
    }

    /**
     * Ends exporting: what is batched or in flight now, and every item that arrives later, is given up for
     * {@code reason} (null: the flush completed, so only items offered concurrently with shutdown are left,
     * counted as dropped after close).
     */
    void terminate(@Nullable FailureReason reason) {
      if (terminated) {
        return;
      }
      terminated = true;
      giveUpReason = reason;
      endedCleanly = reason == null;
      Disposable tick = ticker;
      if (tick != null) {
        tick.dispose();
      }
      long undelivered = admission.items();
      long items = current.size();
      long bytes = currentBytes;
      current = new ArrayList<>(0);
      currentBytes = 0;
      for (Batch<T> batch : ready) {
        items += batch.count;
        bytes += batch.bytes;
      }
      ready.clear();
      for (Batch<T> batch : exporting) {
        batch.abandoned = true;
        Disposable call = batch.call;
        if (call != null) {
          call.dispose();
        }
        items += batch.count;
        bytes += batch.bytes;
      }
      exporting.clear();
      if (items > 0) {
        giveUp(items, bytes);
      }
      if (reason == FailureReason.SHUTDOWN_DEADLINE && undelivered > 0) {
        log.warn("fluxtrace: {} {} were still undelivered when the shutdown deadline ({}) passed; they are counted"
            + " as failed ({})", undelivered, options.itemName(), options.shutdownTimeout(), reason);
      }
      admission.reportRemainingDrops();
      while (!pendingFlushes.isEmpty()) {
        pendingFlushes.removeFirst().marker().complete(reason == null);
      }
      // Everything still queued (and any straggler, which schedules a drain) is counted as it is taken.
      drain();
      maybeDispose();
    }

    void stop() {
      stopped = true;
      maybeDispose();
    }

    /** Releases the subscription and the worker once stopped and nothing can arrive any more. */
    void maybeDispose() {
      if (!stopped || disposed || admission.items() != 0) {
        return;
      }
      // Flushes read `disposing` after announcing themselves in markersInTransit; we read the count after
      // writing `disposing`: a flush either sees it and answers at once, or its marker is awaited here.
      disposing = true;
      if (markersInTransit.get() != 0) {
        return;
      }
      disposed = true;
      Subscription subscription = upstream;
      if (subscription != null) {
        subscription.cancel();
      }
      serial.dispose();
      Scheduler own = ownedScheduler;
      if (own != null) {
        // Not disposeGracefully(): its awaiter runs on a Reactor pool whose non-daemon thread lingers for 10 s,
        // which kept the JVM from exiting after close(). dispose() interrupts the worker's thread, so it runs as
        // the worker's last task, once this one (and whatever completes synchronously behind it) is done.
        try {
          own.schedule(own::dispose);
        } catch (RejectedExecutionException e) {
          own.dispose();
        }
      }
    }

    private void giveUp(long items, long bytes) {
      release(items, bytes);
      FailureReason reason = giveUpReason;
      if (reason == null) {
        listener.droppedAfterClose(items);
      } else {
        listener.failed(reason, items);
      }
    }
  }

  /** An error's class and message; never throws, whatever its {@code toString()} does. */
  static String describe(Throwable error) {
    try {
      return error.toString();
    } catch (Throwable t) {
      Exceptions.throwIfJvmFatal(t);
      return error.getClass().getName();
    }
  }

  /** Receives one export's result, from any thread, and hands it back to the worker exactly once. */
  private final class ExportCall extends BaseSubscriber<ExportResult> {
    private final Batch<T> batch;
    private final AtomicBoolean settled = new AtomicBoolean();
    /** The results so far, one per outcome; signals are serial, so a plain list will do. */
    private final List<ExportResult> results = new ArrayList<>(1);

    ExportCall(Batch<T> batch) {
      this.batch = batch;
    }

    @Override
    protected void hookOnNext(ExportResult result) {
      results.add(result);
    }

    @Override
    protected void hookOnError(Throwable error) {
      fail(error);
    }

    @Override
    protected void hookOnComplete() {
      if (results.isEmpty()) {
        fail(new IllegalStateException("the export completed without a result"));
      } else {
        settle(List.copyOf(results));
      }
    }

    /** Settles the batch: the results received so far count, the rest of the batch fails as INTERNAL_ERROR. */
    void fail(Throwable error) {
      boolean first = !settled.get();
      List<ExportResult> partial = new ArrayList<>(results);
      int accounted = 0;
      for (ExportResult r : partial) {
        accounted += r.exported() + r.failed();
      }
      partial.add(ExportResult.failure(Math.max(0, batch.count - accounted), FailureReason.INTERNAL_ERROR));
      settle(partial);
      if (first) {
        // After settling: the outcome is counted whatever describing the error costs.
        exportWarnings.warn("fluxtrace: exporting a batch of {} {} failed; counted as failed ({}): {}",
            batch.count, options.itemName(), FailureReason.INTERNAL_ERROR, describe(error));
      }
    }

    private void settle(List<ExportResult> settledResults) {
      if (settled.compareAndSet(false, true)) {
        runOnWorker(() -> batcher.onSettled(batch, settledResults));
      }
    }
  }
}
