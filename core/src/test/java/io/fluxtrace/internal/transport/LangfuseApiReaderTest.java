package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.TestConfigs;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class LangfuseApiReaderTest {

  @Test
  void getsWithTheTracerKeysAttributionAndExtraHeadersAndAnswersEveryStatus() {
    try (OtlpReceiver server = OtlpReceiver.start()) {
      server.respondWith(request -> request.path().startsWith("/base/api/public/v2/datasets/known")
          ? Reply.status(200, "{\"id\":\"d1\"}")
          : Reply.status(404, "{\"message\":\"Dataset not found\"}"));
      TracerConfig config = TestConfigs.config(TestConfigs.builder()
          .baseUrl(server.baseUrl() + "/base").header("x-tenant", "acme").allowInsecureHttp(true));
      LangfuseApiReader reader = Objects.requireNonNull(LangfuseApiReader.create(config));
      try {
        StepVerifier.create(reader.get("api/public/v2/datasets/known?x=1"))
            .assertNext(response -> {
              assertThat(response.status()).isEqualTo(200);
              assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"d1\"}");
            })
            .expectComplete()
            .verify(Duration.ofSeconds(30));
        StepVerifier.create(reader.get("/api/public/v2/datasets/unknown"))
            .assertNext(response -> assertThat(response.status()).isEqualTo(404))
            .expectComplete()
            .verify(Duration.ofSeconds(30));
      } finally {
        reader.close();
      }
      OtlpReceiver.ReceivedRequest first = server.requests().get(0);
      assertThat(first.method()).isEqualTo("GET");
      assertThat(first.path()).isEqualTo("/base/api/public/v2/datasets/known?x=1");
      assertThat(first.header("authorization")).isEqualTo("Basic " + Base64.getEncoder()
          .encodeToString("pk-lf-test:sk-lf-test".getBytes(StandardCharsets.UTF_8)));
      assertThat(first.header("x-langfuse-public-key")).isEqualTo("pk-lf-test");
      assertThat(first.header("x-langfuse-sdk-name")).isNotBlank();
      assertThat(first.header("x-tenant")).isEqualTo("acme");
      assertThat(reader.baseUrlForLinks()).isEqualTo(server.baseUrl() + "/base");
      assertThat(reader.toString()).doesNotContain("sk-lf-test");
    }
  }

  @Test
  void aConnectionFailureIsAnErrorNotAHang() {
    OtlpReceiver server = OtlpReceiver.start();
    String url = server.baseUrl();
    server.close();
    LangfuseApiReader reader = Objects.requireNonNull(LangfuseApiReader.create(TestConfigs.config(
        TestConfigs.builder().baseUrl(url).allowInsecureHttp(true).timeout(Duration.ofSeconds(5)))));
    try {
      StepVerifier.create(reader.get("api/public/v2/datasets/x").then(Mono.just(1)))
          .expectError()
          .verify(Duration.ofSeconds(30));
    } finally {
      reader.close();
    }
  }

  @Test
  void onlyATracerThatExportsToLangfuseWithKeysHasAReader() {
    assertThat(LangfuseApiReader.create(TestConfigs.config(TestConfigs.builder().enabled(false)))).isNull();
    assertThat(LangfuseApiReader.create(TestConfigs.config(
        TestConfigs.builder().otlpEndpoint("http://127.0.0.1:4318/v1/traces").allowInsecureHttp(true)))).isNull();
    assertThat(LangfuseApiReader.baseUrl(URI.create("https://cloud.example/lf/api/public/otel/v1/traces")))
        .isEqualTo(URI.create("https://cloud.example/lf/"));
    assertThat(LangfuseApiReader.baseUrl(URI.create("https://cloud.example/api/public/otel/v1/traces")))
        .isEqualTo(URI.create("https://cloud.example/"));
  }
}
