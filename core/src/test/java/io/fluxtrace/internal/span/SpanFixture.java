package io.fluxtrace.internal.span;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanContext;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import io.fluxtrace.TraceIds;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.content.DefaultObjectMapper;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records spans the way the tracer does (a {@link RecordingSpan} frozen by a {@link SpanDataFactory} when it
 * ends) without a pipeline, so that tests see exactly the {@link SpanData} an exporter would get. The clock
 * advances one millisecond per reading, from a fixed instant.
 */
public final class SpanFixture implements SpanEndListener {

  /** 2026-01-02T03:04:05.123456789Z in nanoseconds. */
  public static final long START_NANOS = 1_767_323_045_123_456_789L;

  /** The counters the span data factory and the spans update. */
  public final TracerMetrics metrics = new TracerMetrics();
  private final SpanDataFactory factory;
  private final List<SpanData> ended = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(START_NANOS);
  private final TraceClock clock = () -> now.getAndAdd(1_000_000L);

  /** A fixture with the default mapper, no masker and the given value limit. */
  public SpanFixture(int maxValueBytes) {
    this(DefaultObjectMapper.create(), ContentMasker.none(), maxValueBytes);
  }

  /** A fixture that encodes content as a tracer with these settings would. */
  public SpanFixture(ObjectMapper mapper, ContentMasker masker, int maxValueBytes) {
    this.factory = new SpanDataFactory(new ContentEncoder(mapper, masker, maxValueBytes, metrics), metrics);
  }

  /** Starts a root span of a new trace. */
  public RecordingSpan root(String name, ObservationType type, TraceAttributes attributes) {
    return new RecordingSpan(this, clock, TraceIds.newTraceId(), TraceIds.newSpanId(), null, false, name, type,
        clock.nowEpochNanos(), attributes);
  }

  /** Starts a child of {@code parent}, which is remote if it came from an incoming traceparent. */
  public RecordingSpan child(SpanContext parent, String name, ObservationType type, TraceAttributes attributes) {
    return new RecordingSpan(this, clock, parent.traceId(), TraceIds.newSpanId(), parent.spanId(), parent.remote(),
        name, type, clock.nowEpochNanos(), attributes);
  }

  @Override
  public synchronized void onEnd(RecordingSpan span) {
    ended.add(factory.toSpanData(span));
  }

  @Override
  public void onMutationAfterEnd() {
    metrics.mutationsAfterEnd.increment();
  }

  /** The spans ended so far, in order. */
  public synchronized List<SpanData> ended() {
    return List.copyOf(ended);
  }

  /** The only span ended so far. */
  public synchronized SpanData single() {
    if (ended.size() != 1) {
      throw new IllegalStateException("expected one ended span, got " + ended.size());
    }
    return ended.get(0);
  }
}
