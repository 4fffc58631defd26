package io.fluxtrace.internal.config;

import org.jspecify.annotations.Nullable;

/**
 * Links to traces in the Langfuse UI: {@code {baseUrl}/project/{projectId}/traces/{traceId}} with a project id,
 * else {@code {baseUrl}/trace/{traceId}}, which Langfuse redirects to the trace's project.
 */
public final class TraceLinks {

  private final String baseUrl;
  private final @Nullable String projectId;

  /** Links below {@code baseUrl} (no trailing slash), into {@code projectId} when it is not blank. */
  public TraceLinks(String baseUrl, @Nullable String projectId) {
    this.baseUrl = baseUrl;
    this.projectId = projectId == null || projectId.isBlank() ? null : projectId.trim();
  }

  /** The page of {@code traceId}. */
  public String traceUrl(String traceId) {
    return projectId != null
        ? baseUrl + "/project/" + projectId + "/traces/" + traceId
        : baseUrl + "/trace/" + traceId;
  }
}
