package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.testing.LangfuseMediaStandIn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's media snippet (its {@code // README: media} region is pasted verbatim into the README, which
 * {@code ReadmeTest} in examples checks), run against a stand-in Langfuse with media storage.
 */
class ReadmeMediaTest {

  static void describeImage(Span span, byte[] png) {
    // README: media
    span.input(Map.of(
        "prompt", "What is in this picture?",
        "image", Media.of(png, "image/png")));   // uploaded to Langfuse; the span carries its reference
    // END README
  }

  @Test
  void theImageIsUploadedAndTheSpanCarriesItsReference() {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13};
    try (LangfuseMediaStandIn langfuse = new LangfuseMediaStandIn();
        FluxTracer tracer = FluxTracer.builder(Map.of()).publicKey("pk-lf-readme").secretKey("sk-lf-readme")
            .baseUrl(langfuse.baseUrl()).shutdownHook(false).build()) {
      Span span = tracer.startSpan("describe", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
      describeImage(span, png);
      span.end();

      FlushResult result = tracer.flushBlocking(Duration.ofSeconds(30));

      assertThat(result.stats().media().uploaded()).isEqualTo(1);
      assertThat(langfuse.spanAttribute("describe", "langfuse.observation.input"))
          .contains(LangfuseMediaStandIn.reference("image/png", png, "bytes"));
      assertThat(langfuse.stored(LangfuseMediaStandIn.mediaId(LangfuseMediaStandIn.sha256(png)))).isEqualTo(png);
      assertThat(langfuse.violations()).isEmpty();
    }
  }
}
