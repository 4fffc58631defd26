package io.fluxtrace.benchmarks;

import java.util.Map;

/** The content of a typical generation: a prompt and a completion of about 2 KB each, ASCII with quotes and lines. */
final class Content {

  /** Characters of a typical prompt and of a typical completion. */
  static final int TYPICAL_CHARS = 2048;
  /** Characters of a large prompt: a retrieval-augmented context of about 100 KB. */
  static final int LARGE_CHARS = 100 * 1024;
  static final String MODEL = "gpt-4o-mini";
  static final Map<String, Long> USAGE = Map.of("input", 512L, "output", 480L, "total", 992L);

  private static final String SENTENCE =
      "The user asked about \"reactive tracing\" on the JVM; the assistant answers with care.\n";

  /**
   * Kinds of text that a JVM holds differently: with compact strings, a String whose chars are all at most U+00FF
   * takes one byte per char (ASCII, Latin-1), any other two (CJK; emoji, which are surrogate pairs: two chars each).
   */
  enum TextKind {
    ASCII(SENTENCE),
    LATIN_1("Où est le café? Der Bär läuft über die Straße; el niño comió piña. « Ça va », ½ ±, Ø ß Æ ©.\n"),
    CJK("用户询问了关于在JVM上进行\"响应式追踪\"的问题；助手认真地回答了。日本語のテキストも含まれています。\n"),
    EMOJI("\uD83D\uDE00\uD83D\uDE80\uD83C\uDF89 \uD83D\uDC4D\uD83C\uDFFD \u2728 \uD83E\uDD16\uD83D\uDCAC \"ok\"\n");

    private final String sentence;

    TextKind(String sentence) {
      this.sentence = sentence;
    }
  }

  private Content() {}

  /** {@code chars} characters of ASCII text; {@code seed} makes each call's text distinct (no shared String). */
  static String text(int chars, long seed) {
    return text(TextKind.ASCII, chars, seed);
  }

  /**
   * {@code chars} UTF-16 chars of text of the given kind, distinct per {@code seed}; never ends in half a surrogate
   * pair.
   */
  static String text(TextKind kind, int chars, long seed) {
    StringBuilder out = new StringBuilder(chars);
    out.append('#').append(seed).append(' ');
    while (out.length() < chars) {
      out.append(kind.sentence);
    }
    out.setLength(chars);
    if (Character.isHighSurrogate(out.charAt(chars - 1))) {
      out.setCharAt(chars - 1, ' ');
    }
    return out.toString();
  }
}
