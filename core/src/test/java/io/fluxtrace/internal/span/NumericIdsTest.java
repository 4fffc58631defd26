package io.fluxtrace.internal.span;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.ContentMasker;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanContext;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceClock;
import io.fluxtrace.TraceIds;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.content.DefaultObjectMapper;
import io.fluxtrace.internal.pipeline.CapturedSpan;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.util.HexIds;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Ids kept as numbers on the caller's thread are written on the export side exactly as {@link TraceIds} writes
 * generated ids: 32 and 16 lowercase hex characters, zero-padded, the high half first; and a span's context, its
 * captured form and its exported form agree.
 */
class NumericIdsTest {

  private static final SpanEndListener NO_LISTENER = new SpanEndListener() {
    @Override
    public void onEnd(RecordingSpan span) {}

    @Override
    public void onMutationAfterEnd() {}
  };

  private final TracerMetrics metrics = new TracerMetrics();
  private final SpanDataFactory factory = new SpanDataFactory(
      new ContentEncoder(DefaultObjectMapper.create(), ContentMasker.none(), 1_000, metrics), metrics);

  private static RecordingSpan span(long high, long low, long spanId) {
    return new RecordingSpan(NO_LISTENER, TraceClock.system(), null, high, low, spanId, null, false, "s",
        ObservationType.SPAN, 1, TraceAttributes.EMPTY);
  }

  @Test
  void idsAreWrittenZeroPaddedLowercaseHighHalfFirst() {
    assertThat(HexIds.traceId(1, 0xabcdefL)).isEqualTo("0000000000000001" + "0000000000abcdef");
    assertThat(HexIds.traceId(-1, -1)).isEqualTo("f".repeat(32));
    assertThat(HexIds.spanId(0x00f0L)).isEqualTo("00000000000000f0");
    assertThat(HexIds.spanId(Long.MIN_VALUE)).isEqualTo("8000000000000000");
    assertThat(HexIds.parseSpanId("8000000000000000")).isEqualTo(Long.MIN_VALUE);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 10_000; i++) {
      long high = random.nextLong() >>> random.nextInt(64); // leading zeros of every length
      long low = random.nextLong() >>> random.nextInt(64);
      long id = (random.nextLong() >>> random.nextInt(64)) | 1;
      String traceId = HexIds.traceId(high, low);
      assertThat(TraceIds.isValidTraceId(traceId) || (high == 0 && low == 0)).isTrue();
      assertThat(traceId).isEqualTo(String.format("%016x%016x", high, low));
      assertThat(HexIds.spanId(id)).isEqualTo(String.format("%016x", id)).matches(TraceIds::isValidSpanId);
      assertThat(HexIds.parseSpanId(HexIds.spanId(id))).isEqualTo(id);
    }
  }

  @Test
  void aSpanWithNumericIdsIsCapturedWithoutTextAndExportedWithTheSameIdsItsContextShows() {
    RecordingSpan span = span(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0x00ad6b7169203331L);
    span.end();
    CapturedSpan captured = factory.capture(span);
    // Nothing asked for the text on the caller's thread: none was written.
    assertThat(captured.traceIdText()).isNull();
    assertThat(captured.spanIdText()).isNull();
    SpanData exported = factory.toSpanData(captured);
    assertThat(exported.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(exported.spanId()).isEqualTo("00ad6b7169203331");
    SpanContext context = span.context();
    assertThat(context.traceId()).isEqualTo(exported.traceId());
    assertThat(context.spanId()).isEqualTo(exported.spanId());
  }

  @Test
  void aChildKeepsItsParentsTraceIdTextAndTheParentSpanId() {
    RecordingSpan parent = span(0x0af7651916cd43ddL, 0x8448eb211c80319cL, 0x1111111111111111L);
    SpanContext parentContext = parent.context();
    RecordingSpan child = new RecordingSpan(NO_LISTENER, TraceClock.system(), parentContext.traceId(), 0, 0,
        0x2222222222222222L, parentContext.spanId(), false, "c", ObservationType.SPAN, 1, TraceAttributes.EMPTY);
    child.end();
    CapturedSpan captured = factory.capture(child);
    assertThat(captured.traceIdText()).isSameAs(parentContext.traceId());
    SpanData exported = factory.toSpanData(captured);
    assertThat(exported.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    assertThat(exported.spanId()).isEqualTo("2222222222222222");
    assertThat(exported.parentSpanId()).isEqualTo("1111111111111111");
  }
}
