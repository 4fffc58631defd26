package io.fluxtrace.experiments;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One item of an experiment: what the task gets, and what evaluators compare its output with. Items read from a
 * Langfuse dataset carry the dataset item's id and plain Java values (maps, lists, strings, numbers, booleans) for
 * the JSON input, expected output and metadata; items from code carry whatever the task expects.
 *
 * @param id the item id ({@code langfuse.experiment.item.id}): the dataset item id, or null for an item from code,
 *     which then gets a stable id derived from its input, as Langfuse's own SDKs do
 * @param input what the task gets
 * @param expectedOutput what a correct output looks like, or null
 * @param metadata the item's metadata; never null
 * @param version the item's version ({@code langfuse.experiment.item.version}), or null: for a Langfuse dataset
 *     item, the time it was last updated
 */
public record ExperimentItem(
    @Nullable String id,
    @Nullable Object input,
    @Nullable Object expectedOutput,
    Map<String, @Nullable Object> metadata,
    @Nullable String version) {

  /** Copies the metadata. */
  public ExperimentItem {
    metadata = Objects.requireNonNull(metadata, "metadata").isEmpty()
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** An item from code with an input and an expected output (null when there is none). */
  public static ExperimentItem of(@Nullable Object input, @Nullable Object expectedOutput) {
    return new ExperimentItem(null, input, expectedOutput, Map.of(), null);
  }

  /** This item with one more metadata entry. */
  public ExperimentItem withMetadata(String key, @Nullable Object value) {
    Map<String, @Nullable Object> copy = new LinkedHashMap<>(metadata);
    copy.put(Objects.requireNonNull(key, "key"), value);
    return new ExperimentItem(id, input, expectedOutput, copy, version);
  }

  /** This item with an explicit id. */
  public ExperimentItem withId(@Nullable String id) {
    return new ExperimentItem(id, input, expectedOutput, metadata, version);
  }
}
