package io.fluxtrace.spring.boot.internal;

import java.util.Locale;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks fluxtrace's secrets in {@code /actuator/env} and {@code /actuator/configprops} even where an application
 * shows values ({@code management.endpoint.env.show-values=always}): the secret key, export header values, and
 * the {@code LANGFUSE_SECRET_KEY} variable.
 */
public final class SecretSanitizer implements SanitizingFunction {

  @Override
  public SanitizableData apply(SanitizableData data) {
    String key = data.getKey().toLowerCase(Locale.ROOT);
    boolean secret = key.equals("langfuse_secret_key")
        || key.equals("fluxtrace.secret-key") || key.equals("fluxtrace.secretkey") || key.equals("secretkey")
        || key.startsWith("fluxtrace.headers.") || key.equals("headers");
    return secret ? data.withSanitizedValue() : data;
  }
}
