package io.fluxtrace.benchmarks;

import java.util.Map;

/** The content of a typical generation: a prompt and a completion of about 2 KB each, ASCII with quotes and lines. */
final class Content {

  /** Characters of a typical prompt and of a typical completion. */
  static final int TYPICAL_CHARS = 2048;
  static final String MODEL = "gpt-4o-mini";
  static final Map<String, Long> USAGE = Map.of("input", 512L, "output", 480L, "total", 992L);

  private static final String SENTENCE =
      "The user asked about \"reactive tracing\" on the JVM; the assistant answers with care.\n";

  private Content() {}

  /** {@code chars} characters of text; {@code seed} makes each call's text distinct (no shared String). */
  static String text(int chars, long seed) {
    StringBuilder out = new StringBuilder(chars);
    out.append('#').append(seed).append(' ');
    while (out.length() < chars) {
      out.append(SENTENCE);
    }
    out.setLength(chars);
    return out.toString();
  }
}
