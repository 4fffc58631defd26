package io.fluxtrace;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a span recorded about a model call. Present on a {@link SpanData} only when something was set.
 *
 * @param model the model name, {@code langfuse.observation.model.name} and {@code gen_ai.request.model}
 * @param modelParameters the model parameters as a JSON object text, {@code langfuse.observation.model.parameters}
 * @param usageDetails usage by kind (for example {@code input}, {@code output}, {@code total}); non-negative
 * @param costDetails cost in USD by kind; non-negative and finite
 * @param completionStartEpochNanos when the first token arrived, or 0 when unknown
 * @param promptName the name of the Langfuse prompt used; set together with {@code promptVersion}
 * @param promptVersion the version of the Langfuse prompt used; set together with {@code promptName}
 * @param provider the model provider, {@code gen_ai.provider.name}, or null
 */
public record GenerationData(
    @Nullable String model,
    @Nullable String modelParameters,
    Map<String, Long> usageDetails,
    Map<String, Double> costDetails,
    long completionStartEpochNanos,
    @Nullable String promptName,
    @Nullable Integer promptVersion,
    @Nullable String provider) {

  /** What a span recorded about a model call, without a provider. */
  public GenerationData(@Nullable String model, @Nullable String modelParameters, Map<String, Long> usageDetails,
      Map<String, Double> costDetails, long completionStartEpochNanos, @Nullable String promptName,
      @Nullable Integer promptVersion) {
    this(model, modelParameters, usageDetails, costDetails, completionStartEpochNanos, promptName, promptVersion,
        null);
  }

  /** Copies the maps and checks that the prompt name and version come together, as Langfuse requires. */
  public GenerationData {
    usageDetails = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(usageDetails)));
    costDetails = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(costDetails)));
    if ((promptName == null) != (promptVersion == null)) {
      throw new IllegalArgumentException("promptName and promptVersion must be set together");
    }
  }
}
