package io.fluxtrace.internal.export;

import com.fasterxml.jackson.core.SerializableString;
import java.io.IOException;
import java.util.List;

/**
 * Receives typed OTLP attributes, one call per attribute, in the order they are sent. Implemented by a wire
 * writer ({@link OtlpJsonWriter}); {@link LangfuseAttributes} calls it, so another wire format reuses the mapping
 * by implementing this. Keys are {@link SerializableString}s from {@link AttributeNames}: the name, and its UTF-8
 * bytes encoded once, which any writer can use. Values are never null. A {@link #string} value may hold lone
 * UTF-16 surrogates (hand-made content): the sink writes each as U+FFFD, as {@code JsonText.sanitize} does, so that
 * every wire carries the same valid text; the other values are already valid Unicode.
 */
public interface AttributeSink {

  /** A {@code stringValue} attribute. */
  void string(SerializableString key, String value) throws IOException;

  /** An {@code intValue} (int64) attribute. */
  void integer(SerializableString key, long value) throws IOException;

  /** A {@code boolValue} attribute. */
  void bool(SerializableString key, boolean value) throws IOException;

  /** An {@code arrayValue} attribute of strings (possibly none, when every one was left out). */
  void strings(SerializableString key, List<String> values) throws IOException;
}
