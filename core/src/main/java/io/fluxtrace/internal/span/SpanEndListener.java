package io.fluxtrace.internal.span;

/** Receives each recording span once, right after it ended. */
public interface SpanEndListener {

  /** Called on the thread that ended the span; must not block. */
  void onEnd(RecordingSpan span);

  /** A change was made to a span after it ended and was ignored. */
  void onMutationAfterEnd();
}
