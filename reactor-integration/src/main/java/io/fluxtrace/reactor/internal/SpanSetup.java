package io.fluxtrace.reactor.internal;

import io.fluxtrace.ObservationLevel;
import io.fluxtrace.Span;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What a traced step or event sets on its span when the span starts, fixed at assembly time. Immutable: every
 * {@code with} method returns a copy, so one configured step can be shared by many pipelines.
 *
 * <p>Internal: no compatibility promise.
 *
 * @param input the input, when given as a value
 * @param inputSupplier the input, when computed at subscription; only called if the span records
 * @param metadata span metadata; never holds null values
 * @param model the model name
 * @param modelParameters model parameters; never holds null values
 * @param promptName the Langfuse prompt name, set together with {@code promptVersion}
 * @param promptVersion the Langfuse prompt version
 * @param level the level (events)
 * @param statusMessage the status message (events)
 * @param output the output (events)
 */
public record SpanSetup(
    @Nullable Object input,
    @Nullable Supplier<?> inputSupplier,
    Map<String, Object> metadata,
    @Nullable String model,
    Map<String, Object> modelParameters,
    @Nullable String promptName,
    int promptVersion,
    @Nullable ObservationLevel level,
    @Nullable String statusMessage,
    @Nullable Object output) {

  /** Nothing set. */
  public static final SpanSetup EMPTY =
      new SpanSetup(null, null, Map.of(), null, Map.of(), null, 0, null, null, null);

  /** A copy with this input value (replacing any supplier). */
  public SpanSetup withInput(@Nullable Object value) {
    // Written out rather than through with(..): steps are often assembled per request, and this is the common case.
    return new SpanSetup(value, null, metadata, model, modelParameters, promptName, promptVersion, level,
        statusMessage, output);
  }

  /** A copy whose input is computed by {@code supplier} at subscription (replacing any value). */
  public SpanSetup withInputSupplier(Supplier<?> supplier) {
    Objects.requireNonNull(supplier, "input supplier");
    return with(c -> {
      c.input = null;
      c.inputSupplier = supplier;
    });
  }

  /** A copy with one metadata entry set, or removed when {@code value} is null. */
  public SpanSetup withMetadata(String key, @Nullable Object value) {
    Map<String, Object> changed = put(metadata, key, value);
    return with(c -> c.metadata = changed);
  }

  /** A copy with this model name. */
  public SpanSetup withModel(@Nullable String value) {
    return with(c -> c.model = value);
  }

  /** A copy with one model parameter set, or removed when {@code value} is null. */
  public SpanSetup withModelParameter(String name, @Nullable Object value) {
    Map<String, Object> changed = put(modelParameters, name, value);
    return with(c -> c.modelParameters = changed);
  }

  /** A copy with this Langfuse prompt. */
  public SpanSetup withPrompt(String name, int version) {
    Objects.requireNonNull(name, "prompt name");
    return with(c -> {
      c.promptName = name;
      c.promptVersion = version;
    });
  }

  /** A copy with this level. */
  public SpanSetup withLevel(ObservationLevel value) {
    Objects.requireNonNull(value, "level");
    return with(c -> c.level = value);
  }

  /** A copy with this status message. */
  public SpanSetup withStatusMessage(@Nullable String value) {
    return with(c -> c.statusMessage = value);
  }

  /** A copy with this output. */
  public SpanSetup withOutput(@Nullable Object value) {
    return with(c -> c.output = value);
  }

  /** A copy with {@code change} applied to a mutable copy of the components: the one place that lists them all. */
  private SpanSetup with(Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return new SpanSetup(c.input, c.inputSupplier, c.metadata, c.model, c.modelParameters, c.promptName,
        c.promptVersion, c.level, c.statusMessage, c.output);
  }

  /** The components of a setup being copied; lives only inside {@link #with}. */
  private static final class Copy {
    @Nullable Object input;
    @Nullable Supplier<?> inputSupplier;
    Map<String, Object> metadata;
    @Nullable String model;
    Map<String, Object> modelParameters;
    @Nullable String promptName;
    int promptVersion;
    @Nullable ObservationLevel level;
    @Nullable String statusMessage;
    @Nullable Object output;

    Copy(SpanSetup from) {
      input = from.input;
      inputSupplier = from.inputSupplier;
      metadata = from.metadata;
      model = from.model;
      modelParameters = from.modelParameters;
      promptName = from.promptName;
      promptVersion = from.promptVersion;
      level = from.level;
      statusMessage = from.statusMessage;
      output = from.output;
    }
  }

  /**
   * Sets everything on a span that records. The input supplier runs here, on the subscribing thread; if it throws,
   * the input becomes a placeholder and the failure is counted.
   */
  public void applyTo(Span span, String spanName, UserFunctions functions) {
    Supplier<?> supplier = inputSupplier;
    if (supplier != null) {
      Object computed;
      try {
        computed = supplier.get();
      } catch (Throwable t) {
        computed = functions.failed("input supplier", spanName, t);
      }
      span.input(computed);
    } else if (input != null) {
      span.input(input);
    }
    if (!metadata.isEmpty()) { // forEach on an empty map still allocates an iterator and the method reference
      metadata.forEach(span::metadata);
    }
    if (model != null) {
      span.model(model);
    }
    if (!modelParameters.isEmpty()) {
      span.modelParameters(modelParameters);
    }
    if (promptName != null) {
      span.prompt(promptName, promptVersion);
    }
    if (level != null) {
      span.level(level);
    }
    if (statusMessage != null) {
      span.statusMessage(statusMessage);
    }
    if (output != null) {
      span.output(output);
    }
  }

  private static Map<String, Object> put(Map<String, Object> map, String key, @Nullable Object value) {
    Objects.requireNonNull(key, "key");
    Map<String, Object> copy = new LinkedHashMap<>(map);
    if (value == null) {
      copy.remove(key);
    } else {
      copy.put(key, value);
    }
    return Collections.unmodifiableMap(copy);
  }
}
