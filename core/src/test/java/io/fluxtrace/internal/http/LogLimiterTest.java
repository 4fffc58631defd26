package io.fluxtrace.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.test.util.TestLogger;

class LogLimiterTest {

  @Test
  void logsOneWarningPerIntervalAndCountsTheRest() {
    AtomicLong nanos = new AtomicLong(1_000);
    TestLogger logger = new TestLogger(false);
    LogLimiter limiter = new LogLimiter(logger, Duration.ofMinutes(1), nanos::get);

    limiter.warn("first {}", 1);
    limiter.warn("second {}", 2);
    nanos.addAndGet(Duration.ofSeconds(59).toNanos());
    limiter.warn("third {}", 3);
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    limiter.warn("fourth {}", 4);
    limiter.warn("fifth {}", 5);

    assertThat(logger.getErrContent())
        .contains("first 1")
        .doesNotContain("second").doesNotContain("third").doesNotContain("fifth")
        .contains("fourth 4 (2 similar warnings suppressed)");
  }
}
