package io.fluxtrace.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class SpanSizeEstimatorTest {

  @Test
  void aBareSpanCostsTheFixedOverheadPlusItsName() {
    assertThat(SpanSizeEstimator.estimate(span("name", null, null)))
        .isEqualTo(SpanSizeEstimator.SPAN_OVERHEAD + "name".length());
  }

  @Test
  void embeddedJsonCountsItsLengthAndRoomForEscapedQuotes() {
    String json = "{\"question\":\"" + "x".repeat(8_000) + "\"}";
    long bare = SpanSizeEstimator.estimate(span("name", null, null));

    long withInput = SpanSizeEstimator.estimate(span("name", json, null));

    assertThat(withInput - bare).isGreaterThanOrEqualTo(json.length() + json.length() / 8);
  }

  @Test
  void everyPieceOfContentAddsToTheEstimate() {
    TraceAttributes attributes = TraceAttributes.builder().userId("user-1").sessionId("session-1")
        .tags("a", "b").metadata("k", "v").build();
    GenerationData generation = new GenerationData("gpt-x", "{\"temperature\":0.2}", Map.of("input", 10L),
        Map.of("total", 0.01), 0, "prompt", 3);
    SpanData plain = span("name", "\"in\"", null);
    SpanData rich = new SpanData("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, false, "name",
        ObservationType.GENERATION, 1, 2, ObservationLevel.DEFAULT, "status", "\"in\"", "\"out\"", "{\"m\":1}",
        attributes, generation);

    assertThat(SpanSizeEstimator.estimate(rich)).isGreaterThan(SpanSizeEstimator.estimate(plain) + 500);
  }

  private static SpanData span(String name, @Nullable String input, @Nullable String output) {
    return new SpanData("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", null, false, name,
        ObservationType.SPAN, 1, 2, ObservationLevel.DEFAULT, null, input, output, null, TraceAttributes.EMPTY,
        null);
  }
}
