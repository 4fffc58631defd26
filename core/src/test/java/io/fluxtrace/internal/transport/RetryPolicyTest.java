package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.TestConfigs;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  private static final Duration S1 = Duration.ofSeconds(1);

  @Test
  void defaultsMatchTheBuilderDefaults() {
    RetryPolicy fromBuilder = RetryPolicy.from(TestConfigs.config(
        FluxTracer.builder(Map.of()).enabled(false).shutdownHook(false)));

    assertThat(fromBuilder).isEqualTo(RetryPolicy.DEFAULT);
    assertThat(RetryPolicy.DEFAULT.maxAttempts()).isEqualTo(5);
    assertThat(RetryPolicy.DEFAULT.initialBackoff()).isEqualTo(S1);
    assertThat(RetryPolicy.DEFAULT.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
    assertThat(RetryPolicy.DEFAULT.retryTimedOutRequests()).isFalse();
  }

  @Test
  void takesTheConfiguredSettings() {
    RetryPolicy policy = RetryPolicy.from(TestConfigs.config(FluxTracer.builder(Map.of()).enabled(false)
        .shutdownHook(false).maxExportAttempts(2).initialBackoff(Duration.ofMillis(200))
        .maxBackoff(Duration.ofSeconds(3)).retryTimedOutRequests(true)));

    assertThat(policy).isEqualTo(new RetryPolicy(2, Duration.ofMillis(200), Duration.ofSeconds(3),
        RetryPolicy.DEFAULT_MULTIPLIER, RetryPolicy.DEFAULT_JITTER, true));
  }

  @Test
  void backoffGrowsExponentiallyUpToTheCap() {
    RetryPolicy policy = new RetryPolicy(10, S1, Duration.ofSeconds(10), 2.0, 0.0, false);

    assertThat(policy.backoff(1, 0.5)).isEqualTo(S1);
    assertThat(policy.backoff(2, 0.5)).isEqualTo(Duration.ofSeconds(2));
    assertThat(policy.backoff(3, 0.5)).isEqualTo(Duration.ofSeconds(4));
    assertThat(policy.backoff(4, 0.5)).isEqualTo(Duration.ofSeconds(8));
    assertThat(policy.backoff(5, 0.5)).isEqualTo(Duration.ofSeconds(10));
    assertThat(policy.backoff(60, 0.5)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void jitterSpreadsTheDelayWithinItsShareButNeverPastTheCap() {
    RetryPolicy policy = new RetryPolicy(5, S1, Duration.ofSeconds(2), 2.0, 0.2, false);

    assertThat(policy.backoff(1, 0.0)).isEqualTo(Duration.ofMillis(800));
    assertThat(policy.backoff(1, 0.5)).isEqualTo(S1);
    assertThat(policy.backoff(1, 0.999_999)).isBetween(Duration.ofMillis(1199), Duration.ofMillis(1200));
    assertThat(policy.backoff(2, 0.999_999)).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void retryAfterIsCappedAndNeverNegative() {
    RetryPolicy policy = RetryPolicy.DEFAULT;

    assertThat(policy.capped(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    assertThat(policy.capped(Duration.ofHours(1))).isEqualTo(Duration.ofSeconds(30));
    assertThat(policy.capped(Duration.ofSeconds(-3))).isEqualTo(Duration.ZERO);
  }

  @Test
  void invalidSettingsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> new RetryPolicy(0, S1, S1, 2, 0, false)).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> new RetryPolicy(11, S1, S1, 2, 0, false)).hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> new RetryPolicy(3, Duration.ZERO, S1, 2, 0, false))
        .hasMessageContaining("initialBackoff");
    assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(2), S1, 2, 0, false))
        .hasMessageContaining("maxBackoff");
    assertThatThrownBy(() -> new RetryPolicy(3, S1, S1, 0.5, 0, false)).hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new RetryPolicy(3, S1, S1, Double.NaN, 0, false)).hasMessageContaining("multiplier");
    assertThatThrownBy(() -> new RetryPolicy(3, S1, S1, 2, 1.5, false)).hasMessageContaining("jitter");
  }
}
