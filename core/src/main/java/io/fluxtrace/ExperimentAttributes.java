package io.fluxtrace;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code langfuse.experiment.*} attributes that make a trace one item of an experiment (a dataset run) in
 * Langfuse. They travel with the {@link TraceAttributes} of the item's trace: the run attributes are sent on every
 * span of the trace, the item attributes only on its root span, together with
 * {@code langfuse.experiment.item.root_observation_id} (the root's own span id). Experiment runners set them (see
 * the {@code fluxtrace-experiments} module); applications rarely need to.
 *
 * <p>Structured values (metadata, the expected output) are JSON text, as Langfuse reads them. They are user
 * content: the tracer's masking hook sees them when a span ends, the metadata as
 * {@link ContentKind#TRACE_METADATA} and the expected output as {@link ContentKind#OUTPUT}, and they are cut to the
 * tracer's value size limit.
 *
 * @param id the experiment (run) id, {@code langfuse.experiment.id}
 * @param name the experiment (run) name, {@code langfuse.experiment.name}
 * @param description {@code langfuse.experiment.description}, or null
 * @param metadata the run metadata as a JSON object text, {@code langfuse.experiment.metadata}, or null
 * @param datasetId the Langfuse dataset the items come from, {@code langfuse.experiment.dataset.id}, or null
 * @param itemId the item, {@code langfuse.experiment.item.id}, or null
 * @param itemVersion the item's version, {@code langfuse.experiment.item.version}, or null
 * @param itemMetadata the item metadata as a JSON object text, {@code langfuse.experiment.item.metadata}, or null
 * @param itemExpectedOutput the expected output as JSON text, {@code langfuse.experiment.item.expected_output}, or
 *     null
 */
public record ExperimentAttributes(
    String id,
    String name,
    @Nullable String description,
    @Nullable String metadata,
    @Nullable String datasetId,
    @Nullable String itemId,
    @Nullable String itemVersion,
    @Nullable String itemMetadata,
    @Nullable String itemExpectedOutput) {

  /** Checks the required fields. */
  public ExperimentAttributes {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
  }

  /** The run attributes alone, without an item. */
  public static ExperimentAttributes run(String id, String name, @Nullable String description,
      @Nullable String metadata, @Nullable String datasetId) {
    return new ExperimentAttributes(id, name, description, metadata, datasetId, null, null, null, null);
  }

  /** These run attributes for one item. */
  public ExperimentAttributes withItem(@Nullable String itemId, @Nullable String itemVersion,
      @Nullable String itemMetadata, @Nullable String itemExpectedOutput) {
    return new ExperimentAttributes(id, name, description, metadata, datasetId, itemId, itemVersion, itemMetadata,
        itemExpectedOutput);
  }
}
