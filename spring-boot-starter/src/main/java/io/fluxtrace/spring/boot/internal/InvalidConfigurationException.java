package io.fluxtrace.spring.boot.internal;

/** A malformed {@code fluxtrace.*} property or {@code LANGFUSE_*} variable; the message names it, never a key. */
public final class InvalidConfigurationException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  InvalidConfigurationException(String message, IllegalArgumentException cause) {
    super(message, cause);
  }
}
