package io.fluxtrace.internal.export;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * The span attribute names fluxtrace sends. The {@code langfuse.*} names are the ones Langfuse's OTLP ingestion
 * reads first; the {@code gen_ai.*} names follow the OpenTelemetry GenAI conventions, for other backends and as
 * Langfuse's fallbacks. docs/langfuse-mapping.md documents where each lands. Each is quoted and UTF-8 encoded once
 * ({@link SerializedString}): attribute keys are a good part of every span's JSON.
 */
final class AttributeNames {

  static final SerializableString OBSERVATION_TYPE = key("langfuse.observation.type");
  static final SerializableString OBSERVATION_LEVEL = key("langfuse.observation.level");
  static final SerializableString OBSERVATION_STATUS_MESSAGE = key("langfuse.observation.status_message");
  static final SerializableString OBSERVATION_INPUT = key("langfuse.observation.input");
  static final SerializableString OBSERVATION_OUTPUT = key("langfuse.observation.output");
  static final SerializableString OBSERVATION_METADATA = key("langfuse.observation.metadata");
  static final SerializableString OBSERVATION_MODEL = key("langfuse.observation.model.name");
  static final SerializableString OBSERVATION_MODEL_PARAMETERS = key("langfuse.observation.model.parameters");
  static final SerializableString OBSERVATION_USAGE_DETAILS = key("langfuse.observation.usage_details");
  static final SerializableString OBSERVATION_COST_DETAILS = key("langfuse.observation.cost_details");
  static final SerializableString OBSERVATION_COMPLETION_START_TIME = key("langfuse.observation.completion_start_time");
  static final SerializableString OBSERVATION_PROMPT_NAME = key("langfuse.observation.prompt.name");
  static final SerializableString OBSERVATION_PROMPT_VERSION = key("langfuse.observation.prompt.version");

  static final SerializableString TRACE_NAME = key("langfuse.trace.name");
  static final SerializableString TRACE_TAGS = key("langfuse.trace.tags");
  static final SerializableString TRACE_METADATA = key("langfuse.trace.metadata");
  static final SerializableString TRACE_PUBLIC = key("langfuse.trace.public");
  static final SerializableString USER_ID = key("langfuse.user.id");
  static final SerializableString SESSION_ID = key("langfuse.session.id");
  static final SerializableString RELEASE = key("langfuse.release");
  static final SerializableString VERSION = key("langfuse.version");
  static final SerializableString ENVIRONMENT = key("langfuse.environment");
  static final SerializableString IS_APP_ROOT = key("langfuse.internal.is_app_root");

  static final SerializableString EXPERIMENT_ID = key("langfuse.experiment.id");
  static final SerializableString EXPERIMENT_NAME = key("langfuse.experiment.name");
  static final SerializableString EXPERIMENT_DESCRIPTION = key("langfuse.experiment.description");
  static final SerializableString EXPERIMENT_METADATA = key("langfuse.experiment.metadata");
  static final SerializableString EXPERIMENT_DATASET_ID = key("langfuse.experiment.dataset.id");
  static final SerializableString EXPERIMENT_ITEM_ID = key("langfuse.experiment.item.id");
  static final SerializableString EXPERIMENT_ITEM_VERSION = key("langfuse.experiment.item.version");
  static final SerializableString EXPERIMENT_ITEM_METADATA = key("langfuse.experiment.item.metadata");
  static final SerializableString EXPERIMENT_ITEM_ROOT_OBSERVATION_ID =
      key("langfuse.experiment.item.root_observation_id");
  static final SerializableString EXPERIMENT_ITEM_EXPECTED_OUTPUT = key("langfuse.experiment.item.expected_output");

  static final SerializableString GEN_AI_OPERATION_NAME = key("gen_ai.operation.name");
  static final SerializableString GEN_AI_REQUEST_MODEL = key("gen_ai.request.model");
  static final SerializableString GEN_AI_USAGE_INPUT_TOKENS = key("gen_ai.usage.input_tokens");
  static final SerializableString GEN_AI_USAGE_OUTPUT_TOKENS = key("gen_ai.usage.output_tokens");

  static final SerializableString SERVICE_NAME = key("service.name");
  static final SerializableString TELEMETRY_SDK_NAME = key("telemetry.sdk.name");
  static final SerializableString TELEMETRY_SDK_LANGUAGE = key("telemetry.sdk.language");
  static final SerializableString TELEMETRY_SDK_VERSION = key("telemetry.sdk.version");

  private AttributeNames() {}

  private static SerializableString key(String name) {
    return new SerializedString(name);
  }
}
