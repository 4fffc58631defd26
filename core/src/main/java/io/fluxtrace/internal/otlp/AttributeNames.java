package io.fluxtrace.internal.otlp;

/**
 * The span attribute names fluxtrace sends. The {@code langfuse.*} names are the ones Langfuse's OTLP ingestion
 * reads first; the {@code gen_ai.*} names follow the OpenTelemetry GenAI conventions, for other backends and as
 * Langfuse's fallbacks. docs/langfuse-mapping.md documents where each lands.
 */
final class AttributeNames {

  static final String OBSERVATION_TYPE = "langfuse.observation.type";
  static final String OBSERVATION_LEVEL = "langfuse.observation.level";
  static final String OBSERVATION_STATUS_MESSAGE = "langfuse.observation.status_message";
  static final String OBSERVATION_INPUT = "langfuse.observation.input";
  static final String OBSERVATION_OUTPUT = "langfuse.observation.output";
  static final String OBSERVATION_METADATA = "langfuse.observation.metadata";
  static final String OBSERVATION_MODEL = "langfuse.observation.model.name";
  static final String OBSERVATION_MODEL_PARAMETERS = "langfuse.observation.model.parameters";
  static final String OBSERVATION_USAGE_DETAILS = "langfuse.observation.usage_details";
  static final String OBSERVATION_COST_DETAILS = "langfuse.observation.cost_details";
  static final String OBSERVATION_COMPLETION_START_TIME = "langfuse.observation.completion_start_time";
  static final String OBSERVATION_PROMPT_NAME = "langfuse.observation.prompt.name";
  static final String OBSERVATION_PROMPT_VERSION = "langfuse.observation.prompt.version";

  static final String TRACE_NAME = "langfuse.trace.name";
  static final String TRACE_TAGS = "langfuse.trace.tags";
  static final String TRACE_METADATA = "langfuse.trace.metadata";
  static final String TRACE_PUBLIC = "langfuse.trace.public";
  static final String USER_ID = "langfuse.user.id";
  static final String SESSION_ID = "langfuse.session.id";
  static final String RELEASE = "langfuse.release";
  static final String VERSION = "langfuse.version";
  static final String ENVIRONMENT = "langfuse.environment";
  static final String IS_APP_ROOT = "langfuse.internal.is_app_root";

  static final String GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
  static final String GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
  static final String GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
  static final String GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";

  static final String SERVICE_NAME = "service.name";
  static final String TELEMETRY_SDK_NAME = "telemetry.sdk.name";
  static final String TELEMETRY_SDK_LANGUAGE = "telemetry.sdk.language";
  static final String TELEMETRY_SDK_VERSION = "telemetry.sdk.version";

  private AttributeNames() {}
}
