package io.fluxtrace.internal.span;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 *       {@link WeakReference} to the span; a node whose span the garbage collector took before it ended is counted
 *       as {@link #abandoned() abandoned} (once) and unlinked. A span that is still open when shutdown reaches its
 *       deadline is, by definition, still reachable from the code that would have ended it: that one is ended by
 *       shutdown and exported.
 *   <li><b>One compare-and-set to start, one plain store to end.</b> Starting a span pushes its node onto one of a
 *       power of two of stripes (by the starting thread), a lock-free singly linked list; ending it only marks the
 *       node ended (a release store: no lock, no atomic instruction, and no {@code Reference.clear()}, which is a
 *       native call on Java 17). Ended and collected nodes are unlinked later by a sweep: the thread whose push is
 *       the {@value #SWEEP_EVERY}th since the last sweep of its stripe looks at the next {@value #SWEEP_STEP} nodes
 *       of that stripe (going on where the last sweep stopped), unless another thread is sweeping the stripe. So a
 *       sweep costs a bounded, small amount of work, never waits, and a stripe holds at most about twice its open
 *       spans plus a few hundred ended nodes: bounded by what the application holds.
 *   <li><b>One sweeper per stripe, any number of pushers.</b> Only the sweeper (the holder of the stripe's
 *       {@code sweeping} flag) changes a linked node's {@code next}; a push only links a new node in front of the
 *       head. An unlinked node keeps its {@code next}, so a traversal that stands on it still reaches the rest of
 *       the list. The head node is never unlinked (that would race with pushes); it goes once it is no longer the
 *       head.
 *   <li><b>Exact when asked.</b> {@link #open()}, {@link #snapshot()} and {@link #expunge()} sweep every stripe
 *       whole (waiting a few microseconds at most for a sweep in progress), so they see every span registered
 *       before they were called.
 * </ul>
 */
public final class OpenSpans {

  /** Pushes onto a stripe between two of its sweeps on the hot path. */
  static final int SWEEP_EVERY = 256;
  /** Nodes one hot-path sweep looks at: twice the pushes between sweeps, so sweeping outpaces pushing. */
  static final int SWEEP_STEP = 512;

  private final Stripe[] stripes;
  private final int mask;
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
    Node node = new Node(span);
    stripe.push(node);
    if (node.seq - stripe.nextSweep >= 0 && stripe.tryLock()) {
      try {
        sweep(stripe, SWEEP_STEP);
        stripe.nextSweep = node.seq + SWEEP_EVERY;
      } finally {
        stripe.unlock();
      }
    }
    return node;
  }

  /**
   * How many spans were ever registered: the newest node of each stripe knows its position, and the head is never
   * unlinked. Exact, and free on the hot path (the push's compare-and-set counts).
   */
  public long started() {
    long started = 0;
    for (Stripe stripe : stripes) {
      Node head = stripe.head;
      if (head != null) {
        started += head.seq;
      }
    }
    return started;
  }

  /** Unregisters a span that has ended (at most once per node; later calls do nothing). */
  public void remove(Node node) {
    node.end();
  }

  /** How many registered spans are open now (collected ones are unlinked and counted first). */
  public int open() {
    int open = 0;
    for (Stripe stripe : stripes) {
      open += sweepAll(stripe, null);
    }
    return open;
  }

  /** The spans open now, for shutdown to end them. */
  public List<RecordingSpan> snapshot() {
    List<RecordingSpan> spans = new ArrayList<>();
    for (Stripe stripe : stripes) {
      sweepAll(stripe, spans);
    }
    return spans;
  }

  /** Unlinks the nodes of spans that ended or that the garbage collector took; returns how many were abandoned. */
  public long expunge() {
    long before = abandoned.get();
    open();
    return abandoned.get() - before;
  }

  /** Spans that were started, never ended, and collected by the garbage collector: lost, and counted here. */
  public long abandoned() {
    return abandoned.get();
  }

  /** How many nodes the stripes hold now, open, ended and collected alike: for tests of the bound. */
  int linked() {
    int linked = 0;
    for (Stripe stripe : stripes) {
      for (Node node = stripe.head; node != null; node = node.next) {
        linked++;
      }
    }
    return linked;
  }

  /** Looks at up to {@code budget} nodes of {@code stripe} from where its last sweep stopped; holds its flag. */
  private void sweep(Stripe stripe, int budget) {
    Node prev = stripe.cursor;
    if (prev == null) {
      prev = stripe.head;
      if (prev == null) {
        return;
      }
      gone(prev);
    }
    for (int visited = 1; visited < budget; visited++) {
      Node cur = prev.next;
      if (cur == null) {
        stripe.cursor = null; // the next sweep starts again at the head
        return;
      }
      if (gone(cur)) {
        prev.next = cur.next;
      } else {
        prev = cur;
      }
    }
    stripe.cursor = prev;
  }

  /**
   * Sweeps the whole stripe, waiting for a sweep in progress; returns how many open spans it holds and adds them to
   * {@code open} when given.
   */
  private int sweepAll(Stripe stripe, @Nullable List<RecordingSpan> open) {
    while (!stripe.tryLock()) {
      Thread.onSpinWait(); // a hot-path sweep holds it for a bounded few hundred node visits
    }
    try {
      int count = 0;
      Node prev = stripe.head;
      if (prev == null) {
        return 0;
      }
      if (!gone(prev)) {
        count += collect(prev, open);
      }
      for (Node cur = prev.next; cur != null; cur = prev.next) {
        if (gone(cur)) {
          prev.next = cur.next;
        } else {
          count += collect(cur, open);
          prev = cur;
        }
      }
      stripe.cursor = null;
      return count;
    } finally {
      stripe.unlock();
    }
  }

  private static int collect(Node node, @Nullable List<RecordingSpan> open) {
    RecordingSpan span = node.get();
    if (span == null) {
      return 0; // collected just now: the next sweep counts it
    }
    if (open != null) {
      open.add(span);
    }
    return 1;
  }

  /** Whether the node no longer stands for an open span; counts it as abandoned the first time it is found collected. */
  private boolean gone(Node node) {
    if (node.state != Node.OPEN) {
      return true;
    }
    if (node.get() == null && node.abandon()) {
      // Collected without having ended: once its span is unreachable it can never end any more.
      abandoned.incrementAndGet();
      return true;
    }
    return false;
  }

  /** A registered span: a weak reference to it, linked into its stripe until a sweep finds it ended or collected. */
  public static final class Node extends WeakReference<RecordingSpan> {
    static final int OPEN = 0;
    static final int ENDED = 1;
    static final int ABANDONED = 2;
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Node.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** Its position among the pushes onto its stripe: the head's is how many spans the stripe registered. */
    long seq;
    /** The next (older) node; written by the pusher before the node is linked, then only by the sweeper. */
    @Nullable Node next;
    /** {@link #OPEN}, then {@link #ENDED} (by the span's end) or {@link #ABANDONED} (by a sweep), never back. */
    volatile int state;

    Node(RecordingSpan span) {
      super(span);
    }

    /** The span ended: a release store, so that what the span did before ending is seen by whoever sees this. */
    void end() {
      STATE.setRelease(this, ENDED);
    }

    /** Marks a collected node; false if it was marked already. */
    boolean abandon() {
      return STATE.compareAndSet(this, OPEN, ABANDONED);
    }
  }

  /**
   * Room between stripes: they are allocated one after the other, and two threads pushing onto neighbouring stripes
   * would otherwise compare-and-set on one cache line. HotSpot lays out the longs of a class before its other
   * fields, so these sit between one stripe's hot fields and the next one's.
   */
  @SuppressWarnings("unused")
  abstract static class Padding {
    long p0;
    long p1;
    long p2;
    long p3;
    long p4;
    long p5;
    long p6;
    long p7;
  }

  /** One lock-free list of nodes, newest first, with the flag its one sweeper holds. */
  static final class Stripe extends Padding {
    private static final VarHandle HEAD;
    private static final VarHandle SWEEPING;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        HEAD = lookup.findVarHandle(Stripe.class, "head", Node.class);
        SWEEPING = lookup.findVarHandle(Stripe.class, "sweeping", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    volatile @Nullable Node head;
    /** 1 while a thread sweeps this stripe. */
    volatile int sweeping;
    /** The push position at which the next hot-path sweep is due; written by the sweeper, read racily. */
    long nextSweep = SWEEP_EVERY;
    /** The last node the previous sweep kept, where the next one goes on; null: at the head. Sweeper only. */
    @Nullable Node cursor;

    void push(Node node) {
      for (;;) {
        Node first = head;
        node.next = first;
        node.seq = first == null ? 1 : first.seq + 1;
        if (HEAD.compareAndSet(this, first, node)) {
          return;
        }
      }
    }

    boolean tryLock() {
      return sweeping == 0 && SWEEPING.compareAndSet(this, 0, 1);
    }

    void unlock() {
      sweeping = 0;
    }
  }
}
