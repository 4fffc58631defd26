package io.fluxtrace.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.TailSampling;
import io.fluxtrace.internal.TracerAccess;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The README's Sampling snippet ({@link ReadmeTest} checks that it matches, verbatim). The build has no Langfuse
 * keys, so the tracer is disabled; its resolved configuration is what the snippet sets.
 */
class ReadmeSamplingSnippetsTest {

  static FluxTracer tailSampled() {
    // README: tail-sampling
    FluxTracer tracer = FluxTracer.builder()
        .sampleRate(0.1)                                  // 10% of the traces that went fine
        .tailSampling(TailSampling.builder()
            .keepErrors(true)                             // every trace with an ERROR span (the default)
            .keepSlowerThan(Duration.ofSeconds(5))        // every trace whose root took longer than 5 s
            .keepWhen(root -> "enterprise".equals(root.traceAttributes().metadata().get("plan")))
            .build())
        .build();
    // END README
    return tracer;
  }

  @Test
  void theSnippetConfiguresTailSamplingBesideTheRate() {
    try (FluxTracer tracer = tailSampled()) {
      TailSampling tail = Objects.requireNonNull(TracerAccess.config(tracer).sampling().tail());
      assertThat(TracerAccess.config(tracer).trace().sampleRate()).isEqualTo(0.1);
      assertThat(tail.keepErrors()).isTrue();
      assertThat(tail.slowerThan()).isEqualTo(Duration.ofSeconds(5));
      assertThat(tail.keepWhen()).isNotNull();
      assertThat(TracerAccess.config(tracer).sampling().maxHeldBytes())
          .as("a quarter of maxQueuedBytes by default").isEqualTo(16L * 1024 * 1024);
    }
  }
}
