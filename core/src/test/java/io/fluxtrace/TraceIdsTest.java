package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceIdsTest {

  @Test
  void newIdsAreLowercaseHexOfTheW3cLengthsAndDistinct() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String traceId = TraceIds.newTraceId();
      String spanId = TraceIds.newSpanId();

      assertThat(traceId).hasSize(32).matches("[0-9a-f]{32}");
      assertThat(spanId).hasSize(16).matches("[0-9a-f]{16}");
      assertThat(TraceIds.isValidTraceId(traceId)).isTrue();
      assertThat(TraceIds.isValidSpanId(spanId)).isTrue();
      assertThat(seen.add(traceId)).isTrue();
      assertThat(seen.add(spanId)).isTrue();
    }
  }

  @Test
  void validationAcceptsEveryHexDigitAndNothingNextToThem() {
    String base = "0123456789abcdef";
    assertThat(TraceIds.isValidSpanId(base)).isTrue();
    assertThat(TraceIds.isValidTraceId(base + base)).isTrue();
    // The characters just outside the ranges 0-9 and a-f, uppercase hex, and a char that wraps below zero.
    for (char bad : new char[] {'/', ':', '`', 'g', 'A', 'F', ' ', '\u0000', '\uff10', '\u0130'}) {
      for (int position : new int[] {0, 7, 15}) {
        String id = base.substring(0, position) + bad + base.substring(position + 1);
        assertThat(TraceIds.isValidSpanId(id)).as("span id with %s at %d", (int) bad, position).isFalse();
        assertThat(TraceIds.isValidTraceId(id + base)).as("trace id with %s at %d", (int) bad, position).isFalse();
        assertThat(TraceIds.isValidTraceId(base + id)).as("trace id with %s at %d", (int) bad, 16 + position)
            .isFalse();
      }
    }
  }

  @Test
  void validationRejectsAllZerosAndWrongLengths() {
    assertThat(TraceIds.isValidSpanId("0000000000000000")).isFalse();
    assertThat(TraceIds.isValidTraceId("0".repeat(32))).isFalse();
    assertThat(TraceIds.isValidSpanId("0000000000000001")).isTrue();
    assertThat(TraceIds.isValidTraceId("0".repeat(31) + "1")).isTrue();
    assertThat(TraceIds.isValidSpanId("abc")).isFalse();
    assertThat(TraceIds.isValidSpanId("0123456789abcdef0")).isFalse();
    assertThat(TraceIds.isValidTraceId("0123456789abcdef")).isFalse();
    assertThat(TraceIds.isValidTraceId("")).isFalse();
  }
}
