package io.fluxtrace.springai.internal;

import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the instrumentation records and skips; immutable.
 *
 * @param captureContent whether prompts, completions, tool arguments and tool results are recorded
 * @param prices USD per million tokens by model name
 * @param skipModels model names (requested or default) whose calls are not traced
 * @param skipBeans bean names of chat models, tool-calling managers, embedding models and vector stores left alone
 */
public record Settings(boolean captureContent, Map<String, Price> prices, Set<String> skipModels, Set<String> skipBeans) {

  /** Captures content, no prices, skips nothing. */
  public static final Settings DEFAULTS = new Settings(true, Map.of(), Set.of(), Set.of());

  public Settings {
    prices = Map.copyOf(prices);
    skipModels = Set.copyOf(skipModels);
    skipBeans = Set.copyOf(skipBeans);
  }

  /** The price of {@code model}, or null when none is configured. */
  @Nullable Price price(@Nullable String model) {
    return model == null ? null : prices.get(model);
  }

  /**
   * The price of one model in USD per million tokens; cached input tokens are charged at {@code cachedInputPerMillion}.
   */
  public record Price(double inputPerMillion, double outputPerMillion, double cachedInputPerMillion) {

    public Price {
      check("inputPerMillion", inputPerMillion);
      check("outputPerMillion", outputPerMillion);
      check("cachedInputPerMillion", cachedInputPerMillion);
    }

    private static void check(String name, double value) {
      if (!(value >= 0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException("fluxtrace spring-ai price: " + name
            + " must be a finite, non-negative number of USD per million tokens, was " + value);
      }
    }
  }
}
