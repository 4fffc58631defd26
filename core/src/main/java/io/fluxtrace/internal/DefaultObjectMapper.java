package io.fluxtrace.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The mapper used for user content when the application configures none. */
public final class DefaultObjectMapper {

  private DefaultObjectMapper() {}

  /** A mapper that tolerates beans without properties and writes dates as text. */
  public static ObjectMapper create() {
    return new ObjectMapper()
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
  }
}
