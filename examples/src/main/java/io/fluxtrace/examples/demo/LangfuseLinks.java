package io.fluxtrace.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Links to traces in the Langfuse UI: {@code {baseUrl}/project/{projectId}/traces/{traceId}}. The project is the
 * one the keys belong to ({@code GET /api/public/projects}); if that lookup fails, the link is
 * {@code {baseUrl}/trace/{traceId}}, which Langfuse redirects to the trace's project.
 */
final class LangfuseLinks {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String baseUrl;
  private final @Nullable String projectId;

  private LangfuseLinks(String baseUrl, @Nullable String projectId) {
    this.baseUrl = baseUrl;
    this.projectId = projectId;
  }

  /** Looks up the keys' project, waiting at most {@code timeout}. Blocking: for the demo's main thread. */
  static LangfuseLinks lookUp(String baseUrl, String publicKey, String secretKey, Duration timeout) {
    String credentials = publicKey.trim() + ":" + secretKey.trim();
    String authorization = "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    String projectId = HttpClient.create()
        .responseTimeout(timeout)
        .headers(headers -> headers.set(HttpHeaderNames.AUTHORIZATION, authorization))
        .get()
        .uri(baseUrl + "/api/public/projects")
        .responseSingle((response, body) -> response.status().code() == 200 ? body.asByteArray() : Mono.empty())
        .flatMap(body -> Mono.justOrEmpty(firstProjectId(body)))
        .timeout(timeout)
        .onErrorResume(e -> Mono.empty())
        .block(timeout.plusSeconds(1));
    return new LangfuseLinks(baseUrl, projectId);
  }

  private static @Nullable String firstProjectId(byte[] body) {
    try {
      JsonNode id = JSON.readTree(body).path("data").path(0).path("id");
      return id.isTextual() && !id.asText().isBlank() ? id.asText() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The page of {@code traceId}. */
  String traceUrl(String traceId) {
    return projectId != null
        ? baseUrl + "/project/" + projectId + "/traces/" + traceId
        : baseUrl + "/trace/" + traceId;
  }
}
