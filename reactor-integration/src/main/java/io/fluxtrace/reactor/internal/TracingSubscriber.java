package io.fluxtrace.reactor.internal;

import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import java.util.Map;
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
  private final Context context;
  private final Span span;
  /** Null when the trace is not recorded: the subscriber then only carries the Context. */
  private final @Nullable StepConfig<T> config;
  private final boolean mono;
  private final boolean observesElements;
  private final @Nullable Aggregation<T> aggregation;

  // Touched only from onNext, which Reactive Streams serializes.
  private @Nullable Function<? super T, ? extends @Nullable Map<String, ? extends @Nullable Number>> usage;
  private @Nullable Function<? super T, ? extends @Nullable Map<String, ? extends @Nullable Number>> cost;
  private boolean seenFirst;

  private @Nullable Subscription upstream;
  private volatile int state;

  private TracingSubscriber(
      CoreSubscriber<? super T> actual, Context context, Span span, @Nullable StepConfig<T> config, boolean mono) {
    this.actual = actual;
    this.context = context;
    this.span = span;
    this.config = config;
    this.mono = mono;
    if (config == null) {
      this.observesElements = false;
      this.aggregation = null;
    } else {
      this.usage = config.usage();
      this.cost = config.cost();
      this.observesElements = !mono && config.observesElements();
      Collector<? super T, ?, ?> collector = mono ? null : config.collector();
      this.aggregation = collector == null ? null : Aggregation.start(collector, config);
    }
  }

  /**
   * The subscriber to hand to the source for one subscription: {@code actual} itself when the trace is not recorded
   * and nothing needs to change, else a tracing subscriber.
   */
  static <T> CoreSubscriber<? super T> wrap(CoreSubscriber<? super T> actual, StepConfig<T> config, boolean mono) {
    Span span;
    Context context;
    try {
      Context downstream = actual.currentContext();
      span = ContextSpans.start(config.tracer(), config.name(), config.type(), downstream);
      if (span == null) {
        return actual;
      }
      context = downstream.put(ContextSpans.SPAN, span);
      if (!span.isRecording()) {
        // A new trace that is sampled out: its children must learn that from the Context, not decide again.
        return new TracingSubscriber<>(actual, context, span, null, mono);
      }
    } catch (Throwable t) {
      config.functions().failed("tracing of the subscription", config.name(), t);
      return actual;
    }
    config.setup().applyTo(span, config.name(), config.functions());
    return new TracingSubscriber<>(actual, context, span, config, mono);
  }

  @Override
  public Context currentContext() {
    return context;
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
    StepConfig<T> c = config;
    if (c != null) {
      if (mono) {
        if (STATE.compareAndSet(this, IDLE, ENDED)) {
          recordValue(c, t);
          span.end();
        }
      } else if (observesElements) {
        observe(c, t);
      }
    }
    actual.onNext(t);
  }

  @Override
  public void onError(Throwable error) {
    if (config != null && STATE.compareAndSet(this, IDLE, ENDED)) {
      end(error, false);
    }
    actual.onError(error);
  }

  @Override
  public void onComplete() {
    if (config != null && STATE.compareAndSet(this, IDLE, ENDED)) {
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
      if (config != null) {
        cancelSpan();
      }
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

  /** A Mono's value: its output, usage and cost. */
  private void recordValue(StepConfig<T> c, T value) {
    Function<? super T, ?> output = c.output();
    if (output != null) {
      Object recorded;
      try {
        recorded = output.apply(value);
      } catch (Throwable t) {
        recorded = c.functions().failed("output function", c.name(), t);
      }
      if (recorded != null) {
        span.output(recorded);
      }
    }
    recordFigures(c, value);
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

  /**
   * Usage and cost of a value or an element. A null or empty map means "nothing here" (streaming models usually
   * report usage in the last chunk only); figures of later elements override earlier ones kind by kind.
   */
  private void recordFigures(StepConfig<T> c, T value) {
    usage = recordFigures(c, usage, value, "usage", Span::usageDetails);
    cost = recordFigures(c, cost, value, "cost", Span::costDetails);
  }

  /**
   * Applies one figures function.
   *
   * @return the function to use for the next element: null once it threw, so a function that fails on every
   *     element is given up after its first failure in this subscription
   */
  private @Nullable Function<? super T, ? extends @Nullable Map<String, ? extends @Nullable Number>> recordFigures(
      StepConfig<T> c,
      @Nullable Function<? super T, ? extends @Nullable Map<String, ? extends @Nullable Number>> function,
      T value,
      String kind,
      BiConsumer<Span, Map<String, ? extends @Nullable Number>> record) {
    if (function == null) {
      return null;
    }
    try {
      Map<String, ? extends @Nullable Number> figures = function.apply(value);
      if (figures != null && !figures.isEmpty()) {
        record.accept(span, figures);
      }
      return function;
    } catch (Throwable t) {
      span.metadata("fluxtrace." + kind, c.functions().failed(kind + " function", c.name(), t));
      return null;
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
