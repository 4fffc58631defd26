package io.fluxtrace.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Proves that BlockHound is installed in a module's test JVM: a blocking call on a parallel thread fails. Every
 * module's suite extends it once ({@code class BlockHoundInstalledTest extends BlockHoundInstalledContract {}}), since
 * surefire runs only the test classes of the module it builds.
 */
public abstract class BlockHoundInstalledContract {

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
