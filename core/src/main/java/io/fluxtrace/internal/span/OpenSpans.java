package io.fluxtrace.internal.span;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The recording spans that have started and not ended yet, so that shutdown can wait for them and end the ones
 * still open at its deadline instead of losing them.
 *
 * <h2>Choices</h2>
 *
 * <ul>
 *   <li><b>Weak, so that an abandoned span is never kept alive.</b> A span the application drops without ending it
 *       (a subscription that is neither completed nor cancelled, then forgotten) would otherwise stay here, with
 *       its input and output, for the rest of the process. Each span holds its {@link Node}, a
 *       {@link WeakReference} to the span; a span the garbage collector takes is counted as
 *       {@link #abandoned() abandoned} and its node is unlinked. A span that is still open when shutdown reaches
 *       its deadline is, by definition, still reachable from the code that would have ended it: that one is ended
 *       by shutdown and exported.
 *   <li><b>Bounded by what the application holds.</b> The registry holds one small node per span that is open
 *       now, plus the nodes of collected spans until the next {@link #open()} or {@link #expunge()} unlinks them.
 *   <li><b>Cheap on the hot path.</b> Starting a span allocates its node and links it into one of a power of two
 *       of stripes (by the starting thread), ending it unlinks it: a few pointer writes under that stripe's
 *       monitor, which is never held while calling out, so threads that start and end spans rarely meet and never
 *       wait for I/O. An ended span's node is cleared, so the collector never has to process it.
 * </ul>
 */
public final class OpenSpans {

  private final Stripe[] stripes;
  private final int mask;
  private final ReferenceQueue<RecordingSpan> collected = new ReferenceQueue<>();
  private final AtomicLong abandoned = new AtomicLong();

  public OpenSpans() {
    int wanted = Math.max(4, Runtime.getRuntime().availableProcessors() * 4);
    int size = Integer.highestOneBit(wanted - 1) << 1;
    this.stripes = new Stripe[size];
    for (int i = 0; i < size; i++) {
      stripes[i] = new Stripe();
    }
    this.mask = size - 1;
  }

  /** Registers a span that has just started; returns the node the span keeps to {@link #remove} itself. */
  public Node add(RecordingSpan span) {
    Stripe stripe = stripes[(int) Thread.currentThread().getId() & mask];
    Node node = new Node(span, collected, stripe);
    synchronized (stripe) {
      stripe.link(node);
    }
    return node;
  }

  /** Unregisters a span that has ended (at most once per node; later calls do nothing). */
  public void remove(Node node) {
    Stripe stripe = node.stripe;
    synchronized (stripe) {
      stripe.unlink(node);
    }
    node.clear();
  }

  /** How many registered spans are open now (collected ones are unlinked and counted first). */
  public int open() {
    expunge();
    int open = 0;
    for (Stripe stripe : stripes) {
      synchronized (stripe) {
        open += stripe.count;
      }
    }
    return open;
  }

  /** The spans open now, for shutdown to end them. */
  public List<RecordingSpan> snapshot() {
    expunge();
    List<RecordingSpan> spans = new ArrayList<>();
    for (Stripe stripe : stripes) {
      synchronized (stripe) {
        for (Node node = stripe.head; node != null; node = node.next) {
          RecordingSpan span = node.get();
          if (span != null) {
            spans.add(span);
          }
        }
      }
    }
    return spans;
  }

  /** Unlinks the nodes of spans the garbage collector took without their having ended; returns how many. */
  public long expunge() {
    long count = 0;
    for (Reference<? extends RecordingSpan> ref = collected.poll(); ref != null; ref = collected.poll()) {
      Node node = (Node) ref;
      boolean wasLinked;
      synchronized (node.stripe) {
        wasLinked = node.stripe.unlink(node);
      }
      if (wasLinked) {
        count++;
      }
    }
    if (count > 0) {
      abandoned.addAndGet(count);
    }
    return count;
  }

  /** Spans that were started, never ended, and collected by the garbage collector: lost, and counted here. */
  public long abandoned() {
    return abandoned.get();
  }

  /** A registered span: a weak reference to it, linked into its stripe while the span is open. */
  public static final class Node extends WeakReference<RecordingSpan> {
    final Stripe stripe;
    @Nullable Node prev;
    @Nullable Node next;
    boolean linked;

    Node(RecordingSpan span, ReferenceQueue<RecordingSpan> queue, Stripe stripe) {
      super(span, queue);
      this.stripe = stripe;
    }
  }

  /** One doubly linked list of nodes, guarded by its own monitor. */
  static final class Stripe {
    @Nullable Node head;
    int count;

    void link(Node node) {
      Node first = head;
      node.next = first;
      if (first != null) {
        first.prev = node;
      }
      head = node;
      node.linked = true;
      count++;
    }

    boolean unlink(Node node) {
      if (!node.linked) {
        return false;
      }
      Node before = node.prev;
      Node after = node.next;
      if (before == null) {
        head = after;
      } else {
        before.next = after;
      }
      if (after != null) {
        after.prev = before;
      }
      node.prev = null;
      node.next = null;
      node.linked = false;
      count--;
      return true;
    }
  }
}
