package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {

  private static final long NOW = Instant.parse("2015-10-21T07:28:00Z").toEpochMilli();

  @Test
  void delaySeconds() {
    assertThat(RetryAfter.parse("120", NOW)).isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(" 0 ", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void httpDateRelativeToNow() {
    assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:30 GMT", NOW)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void httpDateInThePastMeansNow() {
    assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void hugeDelayIsKeptForTheCallerToCap() {
    assertThat(RetryAfter.parse("99999999999999999999999", NOW)).isGreaterThan(Duration.ofDays(365));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "-5", "1.5", "12s", "soon", "2015-10-21T07:28:30Z"})
  void malformedValuesGiveNothing(String value) {
    assertThat(RetryAfter.parse(value, NOW)).isNull();
  }

  @Test
  void absentGivesNothing() {
    assertThat(RetryAfter.parse(null, NOW)).isNull();
  }
}
