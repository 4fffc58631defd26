package io.fluxtrace.internal.config;

import org.jspecify.annotations.Nullable;

/**
 * The settings of the Langfuse fields and parity helpers (issue 17), validated by the builder.
 *
 * @param serviceVersion the resource's {@code service.version}, which Langfuse uses as a trace's version when no
 *     span sets {@code langfuse.version}; or null
 * @param genAiAttributes whether spans also carry the OpenTelemetry GenAI attributes ({@code gen_ai.*}) for other
 *     OTLP backends
 * @param projectId the Langfuse project id, for trace links straight to the project; or null (Langfuse redirects)
 */
public record FieldSettings(@Nullable String serviceVersion, boolean genAiAttributes, @Nullable String projectId) {

  /** The defaults: no service version, GenAI attributes on, no project id. */
  public static final FieldSettings DEFAULTS = new FieldSettings(null, true, null);

  /** The builder's values, trimmed (blank is none) and validated. */
  public static FieldSettings resolve(@Nullable String serviceVersion, boolean genAiAttributes,
      @Nullable String projectId) {
    String version = serviceVersion == null || serviceVersion.isBlank() ? null : serviceVersion.trim();
    String project = projectId == null || projectId.isBlank() ? null : projectId.trim();
    if (project != null) {
      EndpointValidation.require(project.chars().allMatch(c -> c > ' ' && c != '/' && c != '?' && c != '#'
          && c < 0x7f), "projectId", "a Langfuse project id (printable ASCII without '/', '?' or '#')", project);
    }
    return new FieldSettings(version, genAiAttributes, project);
  }
}
