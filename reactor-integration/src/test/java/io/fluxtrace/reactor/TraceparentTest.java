package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.SpanContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** W3C traceparent parsing is strict; formatting round-trips. */
class TraceparentTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN_ID = "00f067aa0ba902b7";

  @Test
  void parsesAValidHeaderAsARemoteParent() {
    assertThat(Traceparent.parse("00-" + TRACE_ID + "-" + SPAN_ID + "-01"))
        .contains(new SpanContext(TRACE_ID, SPAN_ID, true, true));
    assertThat(Traceparent.parse("00-" + TRACE_ID + "-" + SPAN_ID + "-00"))
        .contains(new SpanContext(TRACE_ID, SPAN_ID, true, false));
  }

  @Test
  void onlyTheSampledBitOfTheFlagsCounts() {
    assertThat(Traceparent.parse("00-" + TRACE_ID + "-" + SPAN_ID + "-03")).get()
        .extracting(SpanContext::sampled).isEqualTo(true);
    assertThat(Traceparent.parse("00-" + TRACE_ID + "-" + SPAN_ID + "-02")).get()
        .extracting(SpanContext::sampled).isEqualTo(false);
  }

  @Test
  void ignoresSurroundingOptionalWhitespace() {
    assertThat(Traceparent.parse(" \t00-" + TRACE_ID + "-" + SPAN_ID + "-01 ")).isPresent();
  }

  @Test
  void aLaterVersionMayAppendFieldsAfterADash() {
    assertThat(Traceparent.parse("01-" + TRACE_ID + "-" + SPAN_ID + "-01-what-comes-next"))
        .contains(new SpanContext(TRACE_ID, SPAN_ID, true, true));
    assertThat(Traceparent.parse("cc-" + TRACE_ID + "-" + SPAN_ID + "-01")).isPresent();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {
      "garbage",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // uppercase trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",   // uppercase span id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",   // uppercase flags
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // all-zero trace id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // all-zero span id
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // forbidden version
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // version not hex
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",  // version 00 with more
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",    // too short
      "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",   // dash misplaced
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",   // wrong separators
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-xy",   // flags not hex
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // later version, no dash before more
      "00-4bf92f3577b34da6a3ce929d0e0e47 6-00f067aa0ba902b7-01",   // space inside
  })
  void rejectsInvalidHeaders(String header) {
    assertThat(Traceparent.parse(header)).isEmpty();
  }

  @Test
  void formatsVersion00AndRoundTrips() {
    SpanContext sampled = new SpanContext(TRACE_ID, SPAN_ID, false, true);
    SpanContext notSampled = new SpanContext(TRACE_ID, SPAN_ID, false, false);

    assertThat(Traceparent.format(sampled)).isEqualTo("00-" + TRACE_ID + "-" + SPAN_ID + "-01");
    assertThat(Traceparent.format(notSampled)).isEqualTo("00-" + TRACE_ID + "-" + SPAN_ID + "-00");
    assertThat(Traceparent.parse(Traceparent.format(sampled))).contains(SpanContext.remote(TRACE_ID, SPAN_ID, true));
  }
}
