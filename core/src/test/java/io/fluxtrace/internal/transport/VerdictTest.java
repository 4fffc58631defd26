package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FailureReason;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.handler.timeout.WriteTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VerdictTest {

  @ParameterizedTest
  @CsvSource({"200, DELIVERED", "202, DELIVERED", "204, DELIVERED", "429, RETRYABLE", "502, RETRYABLE",
      "503, RETRYABLE", "504, RETRYABLE", "400, BAD_REQUEST", "401, UNAUTHORIZED", "403, UNAUTHORIZED",
      "413, TOO_LARGE", "500, OTHER_STATUS", "404, OTHER_STATUS", "408, OTHER_STATUS", "301, OTHER_STATUS"})
  void statuses(int status, Verdict verdict) {
    assertThat(Verdict.ofStatus(status)).isEqualTo(verdict);
  }

  @Test
  void connectionFailuresAreRetryable() {
    assertThat(Verdict.ofError(new ConnectException("Connection refused"))).isEqualTo(Verdict.RETRYABLE);
    assertThat(Verdict.ofError(new ConnectTimeoutException("connect timed out"))).isEqualTo(Verdict.RETRYABLE);
    assertThat(Verdict.ofError(new UnknownHostException("cloud.langfuse.invalid"))).isEqualTo(Verdict.RETRYABLE);
    assertThat(Verdict.ofError(new IOException("Connection reset by peer"))).isEqualTo(Verdict.RETRYABLE);
    assertThat(Verdict.ofError(WriteTimeoutException.INSTANCE)).isEqualTo(Verdict.RETRYABLE);
    assertThat(Verdict.ofError(new TimeoutException("pool acquire"))).isEqualTo(Verdict.RETRYABLE);
    assertThat(Verdict.ofError(new RuntimeException(new UnknownHostException("x")))).isEqualTo(Verdict.RETRYABLE);
  }

  @Test
  void noAnswerAfterSendingIsATimeout() {
    assertThat(Verdict.ofError(ReadTimeoutException.INSTANCE)).isEqualTo(Verdict.TIMED_OUT);
    assertThat(Verdict.TIMED_OUT.reason).isEqualTo(FailureReason.TIMEOUT);
  }

  @Test
  void tlsFailuresAndBugsAreNotRetried() {
    assertThat(Verdict.ofError(new SSLHandshakeException("PKIX path building failed"))).isEqualTo(Verdict.INTERNAL);
    assertThat(Verdict.ofError(new IllegalStateException("bug"))).isEqualTo(Verdict.INTERNAL);
    assertThat(Verdict.INTERNAL.reason).isEqualTo(FailureReason.INTERNAL_ERROR);
  }

  @Test
  void eachFailingVerdictHasAReason() {
    for (Verdict verdict : Verdict.values()) {
      assertThat(verdict.reason == null).isEqualTo(verdict == Verdict.DELIVERED);
    }
    assertThat(Verdict.RETRYABLE.reason).isEqualTo(FailureReason.RETRIES_EXHAUSTED);
  }
}
