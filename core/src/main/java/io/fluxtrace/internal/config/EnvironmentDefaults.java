package io.fluxtrace.internal.config;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The defaults the builder reads from the environment ({@code LANGFUSE_*}): values are trimmed, a blank one
 * counts as unset, and a malformed one throws an {@link IllegalArgumentException} naming the variable and what it
 * expected, without showing a value that may be a credential.
 */
public final class EnvironmentDefaults {

  private final Map<String, String> env;
  private final EndpointValidation shown;

  /**
   * @param env the environment variables
   * @param secretKey the secret key set on the builder, or null to take {@code LANGFUSE_SECRET_KEY}; messages
   *     never show a value that contains it
   */
  public EnvironmentDefaults(Map<String, String> env, @Nullable String secretKey) {
    this.env = Map.copyOf(env);
    String fromEnv = this.env.get("LANGFUSE_SECRET_KEY");
    this.shown = new EndpointValidation(secretKey != null ? blankToNull(secretKey.trim())
        : fromEnv == null ? null : blankToNull(fromEnv.trim()));
  }

  /** The validation of endpoints and keys, which knows the effective secret key. */
  public EndpointValidation validation() {
    return shown;
  }

  /** A variable, trimmed; null when unset or blank. */
  public @Nullable String get(String variable) {
    String value = env.get(variable);
    return value == null ? null : blankToNull(value.trim());
  }

  /** A set value trimmed, else the variable; null when both are unset or blank. */
  public @Nullable String get(@Nullable String set, String variable) {
    return set != null ? blankToNull(set.trim()) : get(variable);
  }

  /** A boolean variable ({@code true/false}, {@code 1/0}, {@code yes/no}), else {@code fallback}. */
  public boolean bool(String variable, boolean fallback) {
    String value = get(variable);
    if (value == null) {
      return fallback;
    }
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
      case "1":
      case "yes":
        return true;
      case "false":
      case "0":
      case "no":
        return false;
      default:
        throw malformed(variable, "true or false", value);
    }
  }

  /** A number from 0.0 to 1.0, else {@code fallback}. */
  public double fraction(String variable, String expected, double fallback) {
    return parsed(variable, expected, fallback, Double::parseDouble, v -> v >= 0.0 && v <= 1.0);
  }

  /** A whole number of at least 1, else {@code fallback}. */
  public int positiveInt(String variable, String expected, int fallback) {
    return parsed(variable, expected, fallback, Integer::parseInt, v -> v >= 1);
  }

  private <T> T parsed(String variable, String expected, T fallback, Function<String, T> parse, Predicate<T> valid) {
    String value = get(variable);
    if (value == null) {
      return fallback;
    }
    try {
      T parsed = parse.apply(value);
      if (valid.test(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw malformed(variable, expected, value);
  }

  /** The builder's trace defaults, else the variables' ({@code LANGFUSE_SAMPLE_RATE}, ...), validated. */
  public TraceSettings trace(String serviceName, @Nullable String environment, @Nullable String release,
      @Nullable Double sampleRate) {
    EndpointValidation.require(!serviceName.isBlank(), "serviceName", "a non-blank name", serviceName);
    String expected = "a number from 0.0 to 1.0";
    double rate;
    if (sampleRate != null) {
      EndpointValidation.require(sampleRate >= 0.0 && sampleRate <= 1.0, "sampleRate", expected,
          String.valueOf(sampleRate));
      rate = sampleRate;
    } else {
      rate = fraction("LANGFUSE_SAMPLE_RATE", expected, 1.0);
    }
    String environmentName = environment != null ? environment : get("LANGFUSE_TRACING_ENVIRONMENT");
    String releaseName = release != null ? release : get("LANGFUSE_RELEASE");
    return new TraceSettings(serviceName, environmentName, releaseName, rate);
  }

  /** The set batch size, at least 1, else {@code LANGFUSE_FLUSH_AT}, else {@code fallback}. */
  public int flushAt(@Nullable Integer set, int fallback) {
    String expected = "a whole number of spans, at least 1";
    if (set != null) {
      EndpointValidation.require(set >= 1, "flushAt", expected, String.valueOf(set));
      return set;
    }
    return positiveInt("LANGFUSE_FLUSH_AT", expected, fallback);
  }

  /** The set duration of {@code setting}, which must be positive, else {@code variable} in seconds. */
  public Duration seconds(@Nullable Duration set, String setting, String variable, Duration fallback) {
    if (set != null) {
      EndpointValidation.require(!set.isNegative() && !set.isZero(), setting, "positive", set.toString());
      return set;
    }
    return seconds(variable, fallback);
  }

  /**
   * The Langfuse OTLP endpoint below {@code baseUrl}, else {@code LANGFUSE_BASE_URL}, else {@code LANGFUSE_HOST},
   * else Langfuse Cloud.
   */
  public URI langfuseEndpoint(@Nullable String baseUrl) {
    String fromBaseUrl = get("LANGFUSE_BASE_URL");
    String fromHost = get("LANGFUSE_HOST");
    return baseUrl != null ? shown.langfuseEndpoint(baseUrl, "baseUrl")
        : fromBaseUrl != null
            ? shown.langfuseEndpoint(fromBaseUrl, "environment variable LANGFUSE_BASE_URL")
            : shown.langfuseEndpoint(fromHost != null ? fromHost : EndpointValidation.DEFAULT_BASE_URL,
                "environment variable LANGFUSE_HOST");
  }

  /** A positive number of seconds from a millisecond to a day, else {@code fallback}. */
  public Duration seconds(String variable, Duration fallback) {
    String value = get(variable);
    if (value == null) {
      return fallback;
    }
    String expected = "a positive number of seconds, such as 1 or 0.5";
    double secs;
    try {
      secs = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw malformed(variable, expected, value);
    }
    // At least a millisecond, at most a day: anything else is a unit mistake (milliseconds for seconds).
    if (!(secs >= 0.001 && secs <= 86_400)) {
      throw malformed(variable, expected + " from 0.001 to 86400", value);
    }
    return Duration.ofNanos(Math.round(secs * 1_000_000_000L));
  }

  private IllegalArgumentException malformed(String variable, String expected, String value) {
    return new IllegalArgumentException(
        "fluxtrace: environment variable " + variable + " must be " + expected + ", got " + shown.shown(value));
  }

  /** Null for null or blank. */
  public static @Nullable String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
