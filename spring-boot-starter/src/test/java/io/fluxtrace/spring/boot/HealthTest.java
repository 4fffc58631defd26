package io.fluxtrace.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.spring.boot.internal.FluxtraceHealth;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The health indicator's statuses against a real receiver: UP, OUT_OF_SERVICE with the reason, back to UP. */
class HealthTest {

  @Test
  void refusedKeysThenAnUnreachableEndpointThenRecovery() {
    try (OtlpReceiver receiver = OtlpReceiver.start();
        FluxTracer tracer = FluxTracer.builder(Map.of()).publicKey("pk-lf-health").secretKey("sk-lf-health")
            .baseUrl(receiver.baseUrl()).maxExportAttempts(2).initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(20)).shutdownHook(false).build()) {
      FluxtraceHealth health = new FluxtraceHealth(tracer, "127.0.0.1");
      assertThat(health.check().status()).as("before any export").isEqualTo(FluxtraceHealth.UP);

      receiver.respondWith(request -> Reply.status(401));
      exportOne(tracer);
      FluxtraceHealth.Result refused = health.check();
      assertThat(refused.status()).isEqualTo(FluxtraceHealth.OUT_OF_SERVICE);
      assertThat(String.valueOf(refused.details().get("reason"))).contains("401/403", "fluxtrace.secret-key");
      assertThat(health.check().status()).as("nothing settled since: unchanged").isEqualTo(FluxtraceHealth.OUT_OF_SERVICE);

      receiver.respondWith(request -> Reply.status(503));
      exportOne(tracer);
      FluxtraceHealth.Result unreachable = health.check();
      assertThat(unreachable.status()).isEqualTo(FluxtraceHealth.OUT_OF_SERVICE);
      assertThat(String.valueOf(unreachable.details().get("reason"))).contains("unreachable");

      receiver.respondWith(request -> Reply.ok());
      exportOne(tracer);
      FluxtraceHealth.Result recovered = health.check();
      assertThat(recovered.status()).isEqualTo(FluxtraceHealth.UP);
      assertThat(recovered.details()).containsEntry("endpoint", "127.0.0.1").containsEntry("exported", 1L)
          .doesNotContainKey("reason");
      assertThat(recovered.details().toString()).doesNotContain("sk-lf-health");
    }
  }

  @Test
  void tracingOffIsUnknown() {
    FluxtraceHealth.Result result = new FluxtraceHealth(FluxTracer.disabled(), null).check();
    assertThat(result.status()).isEqualTo(FluxtraceHealth.UNKNOWN);
    assertThat(result.details()).containsEntry("enabled", false);
  }

  private static void exportOne(FluxTracer tracer) {
    tracer.startSpan("s", ObservationType.SPAN, null, TraceAttributes.EMPTY).end();
    assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).isTrue();
  }
}
