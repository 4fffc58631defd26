package io.fluxtrace.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogLimiterTest {

  @Test
  void letsOneMessageThroughPerIntervalAndCountsTheRest() {
    AtomicLong nanos = new AtomicLong(1_000);
    LogLimiter limiter = new LogLimiter(1, TimeUnit.MINUTES, nanos::get);

    assertThat(limiter.tryAcquire()).isZero();
    assertThat(limiter.tryAcquire()).isEqualTo(-1);
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(59));
    assertThat(limiter.tryAcquire()).isEqualTo(-1);
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertThat(limiter.tryAcquire()).isEqualTo(2);
    assertThat(limiter.tryAcquire()).isEqualTo(-1);
  }
}
