package io.fluxtrace.internal.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.util.Logger;

class RateLimitedLogTest {

  private final AtomicLong nanos = new AtomicLong(1_000);
  private final List<List<Object>> warnings = new ArrayList<>();
  private final RateLimitedLog log = new RateLimitedLog(recordingLogger(), Duration.ofMinutes(1), nanos::get);

  @Test
  void logsAtMostOncePerIntervalAndReportsWhatItSuppressed() {
    log.warn("failed: {}", "a");
    log.warn("failed: {}", "b");
    log.warn("failed: {}", "c");
    nanos.addAndGet(Duration.ofSeconds(59).toNanos());
    log.warn("failed: {}", "d");
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    log.warn("failed: {}", "e");

    assertThat(warnings).containsExactly(
        List.of("failed: {}", "a"),
        List.of("failed: {} ({} similar warnings suppressed)", "e", 3L));
  }

  @Test
  void tryAcquireGrantsOneCallerPerInterval() {
    assertThat(log.tryAcquire()).isTrue();
    assertThat(log.tryAcquire()).isFalse();
    nanos.addAndGet(Duration.ofMinutes(1).toNanos());
    assertThat(log.tryAcquire()).isTrue();
  }

  /** Records the format and arguments of every warning. */
  private Logger recordingLogger() {
    return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
        (proxy, method, args) -> {
          if (method.getName().equals("warn") && args.length == 2 && args[1] instanceof Object[] values) {
            List<Object> call = new ArrayList<>();
            call.add(args[0]);
            call.addAll(Arrays.asList(values));
            warnings.add(call);
          }
          return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
        });
  }
}
