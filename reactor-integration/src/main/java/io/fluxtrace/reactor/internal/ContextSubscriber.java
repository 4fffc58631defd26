package io.fluxtrace.reactor.internal;

import io.fluxtrace.Span;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The subscriber of a traced subscription whose new trace was sampled out: it records nothing and passes every
 * signal through, and only shows upstream a Context that holds the non-recording root, so that every step inside
 * learns the decision from it instead of deciding again (and a {@code traceparent} sent from inside still carries
 * the trace id, with sampled=0). The smallest object that can do that, as the sampled-out path is meant to cost
 * next to nothing.
 *
 * @param <T> the element type
 */
final class ContextSubscriber<T> implements CoreSubscriber<T>, Subscription, Scannable {

  private final CoreSubscriber<? super T> actual;
  private final Context downstream;
  private final Span span;
  /** Made when first asked for (see {@link TracingSubscriber}); immutable, so a racy first use is harmless. */
  private volatile @Nullable Context context;
  private @Nullable Subscription upstream;

  ContextSubscriber(CoreSubscriber<? super T> actual, Context downstream, Span span) {
    this.actual = actual;
    this.downstream = downstream;
    this.span = span;
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
    actual.onNext(t);
  }

  @Override
  public void onError(Throwable t) {
    actual.onError(t);
  }

  @Override
  public void onComplete() {
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
    Subscription s = upstream;
    if (s != null) {
      s.cancel();
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
    if (key == Attr.RUN_STYLE) {
      return Attr.RunStyle.SYNC;
    }
    return null;
  }

  @Override
  public String toString() {
    return "fluxtrace(" + span + ')';
  }
}
