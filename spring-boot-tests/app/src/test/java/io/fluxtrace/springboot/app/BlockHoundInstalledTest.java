package io.fluxtrace.springboot.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Proves that BlockHound is installed in this module's test JVM: a blocking call on a parallel thread fails. */
class BlockHoundInstalledTest {

  @Test
  void blockingCallOnNonBlockingThreadIsCaught() {
    Mono<String> sleeper = Mono.fromCallable(() -> {
          Thread.sleep(1);
          return "slept";
        })
        .subscribeOn(Schedulers.parallel());

    assertThatThrownBy(() -> sleeper.block(Duration.ofSeconds(10)))
        .hasCauseInstanceOf(BlockingOperationError.class)
        .satisfies(e -> assertThat(e.getCause()).hasMessageContaining("Thread.sleep"));
  }
}
