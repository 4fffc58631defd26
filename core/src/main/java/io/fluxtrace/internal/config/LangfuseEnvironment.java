package io.fluxtrace.internal.config;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Normalizes an environment name exactly as Langfuse's public ingestion schema does, so that what fluxtrace
 * sends is what Langfuse stores and shows: lowercased; every leading {@code langfuse}, {@code langfuse-} or
 * {@code langfuse_} stripped (the prefix is reserved for Langfuse's own traces); cut to 40 characters; and
 * {@value #DEFAULT} unless the result is non-empty and matches {@code ^[a-z0-9-_]+$}.
 */
public final class LangfuseEnvironment {

  /** The environment Langfuse files data under when none (or an invalid one) is given. */
  public static final String DEFAULT = "default";
  /** The longest environment name Langfuse keeps. */
  public static final int MAX_LENGTH = 40;

  private static final String RESERVED_PREFIX = "langfuse";

  private LangfuseEnvironment() {}

  /** The environment Langfuse will store for {@code environment}; {@value #DEFAULT} for null. */
  public static String normalize(@Nullable String environment) {
    if (environment == null) {
      return DEFAULT;
    }
    String name = environment.toLowerCase(Locale.ROOT);
    int start = 0;
    while (name.startsWith(RESERVED_PREFIX, start)) {
      start += RESERVED_PREFIX.length();
      if (start < name.length() && (name.charAt(start) == '-' || name.charAt(start) == '_')) {
        start++;
      }
    }
    int end = Math.min(name.length(), start + MAX_LENGTH);
    if (start == end) {
      return DEFAULT;
    }
    for (int i = start; i < end; i++) {
      char c = name.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!allowed) {
        return DEFAULT;
      }
    }
    return name.substring(start, end);
  }
}
