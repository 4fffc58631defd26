package io.fluxtrace.reactor.internal;

import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.internal.span.RecordingSpan;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collector;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The subscriber of one traced subscription. It follows the pattern of reactor-core's {@code SignalListener} and
 * Micrometer's observation listener, written out by hand:
 *
 * <ol>
 *   <li>at subscription, read the parent from the subscriber's {@code ContextView} and start a child span;
 *   <li>expose the child to everything upstream through {@link #currentContext()}, so steps inside this one see it
 *       as their parent, whatever thread they run on;
 *   <li>end the span exactly once, on the first of complete, error or cancel (a Mono ends on its value).
 * </ol>
 *
 * <p>Why not {@code tap(SignalListenerFactory)}: a tap cannot pass a subscription through unwrapped when the trace
 * is not recorded, and for a conditional downstream (such as {@code filter}) it reports an element only after the
 * downstream accepted it, so a streaming generation would lose the usage carried by a chunk the user filters out.
 * Here every element is observed before it is forwarded.
 *
 * <p>Ordering: a terminal signal ends the span before it is forwarded, so a step ends before the step that
 * encloses it, and a caller that has received the result can flush and find the span. A cancel is forwarded
 * upstream first, so that the steps inside end before this one. The user's signals are forwarded unchanged, on the
 * thread they arrived on; no signal is added, dropped or reordered; and the Context of the user is kept, with one
 * key added.
 *
 * <p>Concurrency: signals are serialized (Reactive Streams rule 1.3) but {@link #cancel()} may race with them. The
 * per-element work (aggregation, usage, cost) and the end are mutually exclusive through {@link #state}: a cancel
 * that arrives while an element is being observed leaves the end to the thread observing it. Nothing blocks.
 *
 * @param <T> the element type
 */
final class TracingSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {

  /** No element is being observed and the span is open. */
  private static final int IDLE = 0;
  /** An element is being observed; only onNext's thread touches the aggregation. */
  private static final int OBSERVING = 1;
  /** A cancel arrived while observing: the observing thread ends the span when it is done. */
  private static final int CANCEL_PENDING = 2;
  /** The span has ended (or is being ended by the thread that won the transition). */
  private static final int ENDED = 3;

  @SuppressWarnings("rawtypes")
  private static final AtomicIntegerFieldUpdater<TracingSubscriber> STATE =
      AtomicIntegerFieldUpdater.newUpdater(TracingSubscriber.class, "state");

  private final CoreSubscriber<? super T> actual;
  /** The subscriber's Context, which {@link #context} extends with the span. */
  private final Context downstream;
  /**
   * The Context upstream sees: made when first asked for, because a step whose upstream never reads its Context (a
   * value computed in place, a leaf call) then costs no Context copy. Immutable, so a racy first use at most makes
   * two equal ones; volatile so that one made on another thread is seen whole.
   */
  private volatile @Nullable Context context;
  private final Span span;
  private final StepConfig<T> config;
  private final boolean mono;
  private final boolean observesElements;
  private final @Nullable Aggregation<T> aggregation;

  // Touched only from onNext, which Reactive Streams serializes.
  private @Nullable Figures<T> usage;
  private @Nullable Figures<T> cost;
  private boolean seenFirst;

  private @Nullable Subscription upstream;
  private volatile int state;

  private TracingSubscriber(
      CoreSubscriber<? super T> actual, Context downstream, Span span, StepConfig<T> config, boolean mono) {
    this.actual = actual;
    this.downstream = downstream;
    this.span = span;
    this.config = config;
    this.mono = mono;
    this.usage = Figures.of("usage", config.usage(), Span::usageDetails);
    this.cost = Figures.of("cost", config.cost(), Span::costDetails);
    this.observesElements = !mono && config.observesElements();
    Collector<? super T, ?, ?> collector = mono ? null : config.collector();
    this.aggregation = collector == null ? null : Aggregation.start(collector, config);
  }

  /**
   * The subscriber to hand to the source for one subscription: {@code actual} itself when the trace is not recorded
   * and nothing needs to change, a {@link ContextSubscriber} for a new trace sampled out, else a tracing
   * subscriber.
   */
  static <T> CoreSubscriber<? super T> wrap(CoreSubscriber<? super T> actual, StepConfig<T> config, boolean mono) {
    Span span;
    Context downstream;
    try {
      downstream = actual.currentContext();
      span = ContextSpans.start(config.tracer(), config.name(), config.type(), downstream, config.input());
      if (span == null) {
        return actual;
      }
      if (!span.isRecording()) {
        // A new trace that is sampled out: its children must learn that from the Context, not decide again.
        return new ContextSubscriber<>(actual, downstream, span);
      }
    } catch (Throwable t) {
      config.functions().failed("tracing of the subscription", config.name(), t);
      return actual;
    }
    config.setup().applyTo(span, config.name(), config.functions()); // the input value was recorded at the start
    return new TracingSubscriber<>(actual, downstream, span, config, mono);
  }

  @Override
  public Context currentContext() {
    Context c = context;
    if (c == null) {
      c = downstream.put(ContextSpans.SPAN, span);
      context = c;
    }
    return c;
  }

  @Override
  public void onSubscribe(Subscription s) {
    if (Operators.validate(upstream, s)) {
      upstream = s;
      actual.onSubscribe(this);
    }
  }

  @Override
  public void onNext(T t) {
    if (mono) {
      if (STATE.compareAndSet(this, IDLE, ENDED)) {
        endOnValue(config, t);
      }
    } else if (observesElements) {
      observe(config, t);
    }
    actual.onNext(t);
  }

  @Override
  public void onError(Throwable error) {
    if (STATE.compareAndSet(this, IDLE, ENDED)) {
      end(error, false);
    }
    actual.onError(error);
  }

  @Override
  public void onComplete() {
    if (STATE.compareAndSet(this, IDLE, ENDED)) {
      end(null, false);
    }
    actual.onComplete();
  }

  @Override
  public void request(long n) {
    Subscription s = upstream;
    if (s != null) {
      s.request(n);
    }
  }

  @Override
  public void cancel() {
    try {
      Subscription s = upstream;
      if (s != null) {
        s.cancel();
      }
    } finally {
      cancelSpan();
    }
  }

  private void cancelSpan() {
    for (;;) {
      int current = state;
      if (current == IDLE) {
        if (STATE.compareAndSet(this, IDLE, ENDED)) {
          end(null, true);
          return;
        }
      } else if (current == OBSERVING) {
        if (STATE.compareAndSet(this, OBSERVING, CANCEL_PENDING)) {
          return;
        }
      } else {
        return;
      }
    }
  }

  /** A Mono's value: its usage, cost and output, and the end. */
  private void endOnValue(StepConfig<T> c, T value) {
    Function<? super T, ?> output = c.output();
    Object recorded = null;
    if (output != null) {
      try {
        recorded = output.apply(value);
      } catch (Throwable t) {
        recorded = c.functions().failed("output function", c.name(), t);
      }
    }
    recordFigures(c, value);
    if (span instanceof RecordingSpan recording) {
      // The output and the end under the span's lock once rather than twice: the common end of a Mono step.
      recording.endWithOutput(recorded);
      return;
    }
    if (recorded != null) {
      span.output(recorded);
    }
    span.end();
  }

  /** A Flux element: completion start, aggregation, usage and cost, exclusive with the end. */
  private void observe(StepConfig<T> c, T element) {
    if (!STATE.compareAndSet(this, IDLE, OBSERVING)) {
      return;
    }
    try {
      if (!seenFirst) {
        seenFirst = true;
        if (c.type() == ObservationType.GENERATION) {
          span.completionStart();
        }
      }
      Aggregation<T> a = aggregation;
      if (a != null) {
        a.add(element);
      }
      recordFigures(c, element);
    } finally {
      if (!STATE.compareAndSet(this, OBSERVING, IDLE)) {
        state = ENDED;
        end(null, true);
      }
    }
  }

  /** Usage and cost of a value or an element; see {@link Figures} for how the elements' figures combine. */
  private void recordFigures(StepConfig<T> c, T value) {
    Figures<T> u = usage;
    if (u != null) {
      u.record(c, span, value);
    }
    Figures<T> k = cost;
    if (k != null) {
      k.record(c, span, value);
    }
  }

  /**
   * Ends the span with what arrived so far; called once, by the thread that moved {@link #state} to
   * {@link #ENDED}.
   *
   * @param error the failure, or null
   * @param cancelled whether the subscription was cancelled
   */
  private void end(@Nullable Throwable error, boolean cancelled) {
    Aggregation<T> a = aggregation;
    if (a != null) {
      Object output = a.result();
      if (output != null) {
        span.output(output);
      }
    }
    if (error != null) {
      span.endWithError(error);
    } else if (cancelled) {
      span.endCancelled();
    } else {
      span.end();
    }
  }

  @Override
  public @Nullable Object scanUnsafe(Attr key) {
    if (key == Attr.PARENT) {
      return upstream;
    }
    if (key == Attr.ACTUAL) {
      return actual;
    }
    if (key == Attr.TERMINATED) {
      return state == ENDED;
    }
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.SYNC;
    }
    return null;
  }

  @Override
  public String toString() {
    return "fluxtrace(" + span + ')';
  }

  /**
   * One kind of figures (usage or cost) of one subscription, with the rule that combines the figures of several
   * elements: <b>per key, the last positive value wins</b>. The span keeps the last value recorded per key, so a
   * zero that follows a positive value of the same key is left out: providers that repeat cumulative usage on
   * every chunk (OpenAI through Spring AI), report it in the last chunk only, or split it between the first and the
   * last chunk (Anthropic) with zeros in between are all recorded right by a mapper that returns what each chunk
   * says, and nothing is summed, so nothing is counted twice. A key that never has a positive value records its
   * last value (zero, or an invalid value that the span drops and counts).
   *
   * <p>Touched only by the thread observing an element (see the class comment).
   *
   * @param <T> the element type
   */
  private static final class Figures<T> {
    private final String kind;
    private final BiConsumer<Span, Map<String, ? extends @Nullable Number>> record;
    /** Null once the function threw: a function that fails on every element is given up after its first failure. */
    private @Nullable FigureFunction<? super T> function;
    /** Keys that had a positive value in this subscription; created at the first one. */
    private @Nullable Set<String> positive;

    private Figures(
        String kind,
        FigureFunction<? super T> function,
        BiConsumer<Span, Map<String, ? extends @Nullable Number>> record) {
      this.kind = kind;
      this.function = function;
      this.record = record;
    }

    static <T> @Nullable Figures<T> of(
        String kind,
        @Nullable FigureFunction<? super T> function,
        BiConsumer<Span, Map<String, ? extends @Nullable Number>> record) {
      return function == null ? null : new Figures<>(kind, function, record);
    }

    /**
     * Records the figures of one value or element. A null or empty map means "nothing here": streaming models
     * often report usage in one chunk only.
     */
    void record(StepConfig<?> c, Span span, T value) {
      FigureFunction<? super T> f = function;
      if (f == null) {
        return;
      }
      try {
        Map<String, ? extends @Nullable Number> figures = f.figuresOf(value);
        if (figures == null || figures.isEmpty()) {
          return;
        }
        Map<String, @Nullable Number> kept = null; // a copy, made only when a zero must be left out
        for (Map.Entry<String, ? extends @Nullable Number> e : figures.entrySet()) {
          Number n = e.getValue();
          if (n == null) {
            continue; // the span drops and counts it
          }
          double d = n.doubleValue();
          if (d > 0 && Double.isFinite(d)) {
            Set<String> p = positive;
            if (p == null) {
              p = new HashSet<>();
              positive = p;
            }
            p.add(e.getKey());
          } else if (d == 0 && positive != null && positive.contains(e.getKey())) {
            if (kept == null) {
              kept = new LinkedHashMap<>(figures);
            }
            kept.remove(e.getKey());
          }
        }
        Map<String, ? extends @Nullable Number> recorded = kept == null ? figures : kept;
        if (!recorded.isEmpty()) {
          record.accept(span, recorded);
        }
      } catch (Throwable t) {
        function = null;
        span.metadata("fluxtrace." + kind, c.functions().failed(kind + " function", c.name(), t));
      }
    }
  }

  /**
   * A Flux's output reduced by the user's {@link Collector}. The collector's state is touched by one thread at a
   * time (see the class comment). If the collector throws, aggregation stops and the output is a placeholder.
   *
   * @param <T> the element type
   */
  private static final class Aggregation<T> {
    private final StepConfig<?> config;
    private final @Nullable BiConsumer<Object, ? super T> accumulator;
    private final @Nullable Function<Object, ?> finisher;
    private final @Nullable Object container;
    private @Nullable String failure;

    private Aggregation(
        StepConfig<?> config,
        @Nullable BiConsumer<Object, ? super T> accumulator,
        @Nullable Function<Object, ?> finisher,
        @Nullable Object container,
        @Nullable String failure) {
      this.config = config;
      this.accumulator = accumulator;
      this.finisher = finisher;
      this.container = container;
      this.failure = failure;
    }

    /** Creates the collector's container for one subscription. */
    @SuppressWarnings("unchecked") // the container is created and consumed by the same collector
    static <T> Aggregation<T> start(Collector<? super T, ?, ?> collector, StepConfig<?> config) {
      Collector<? super T, Object, Object> c = (Collector<? super T, Object, Object>) collector;
      try {
        return new Aggregation<>(config, c.accumulator(), c.finisher(), c.supplier().get(), null);
      } catch (Throwable t) {
        return new Aggregation<>(config, null, null, null, config.functions().failed("output collector",
            config.name(), t));
      }
    }

    void add(T element) {
      BiConsumer<Object, ? super T> acc = accumulator;
      Object box = container;
      if (failure != null || acc == null || box == null) {
        return;
      }
      try {
        acc.accept(box, element);
      } catch (Throwable t) {
        failure = config.functions().failed("output collector", config.name(), t);
      }
    }

    @Nullable Object result() {
      Function<Object, ?> fin = finisher;
      Object box = container;
      if (failure != null || fin == null || box == null) {
        return failure;
      }
      try {
        return fin.apply(box);
      } catch (Throwable t) {
        return config.functions().failed("output collector", config.name(), t);
      }
    }
  }
}
