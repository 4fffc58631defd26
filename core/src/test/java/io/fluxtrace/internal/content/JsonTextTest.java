package io.fluxtrace.internal.content;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTextTest {

  private static final String EMOJI = "\uD83D\uDE00";
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void cleanTextIsReturnedAsIsWithoutCopying() {
    String clean = "plain ascii, accents \u00e9\u00e8, CJK \u4e2d\u6587 and an emoji " + EMOJI;

    assertThat(JsonText.sanitize(clean)).isSameAs(clean);
  }

  @Test
  void loneSurrogatesBecomeReplacementCharacters() {
    assertThat(JsonText.sanitize("a\uD800b")).isEqualTo("a\uFFFDb");
    assertThat(JsonText.sanitize("a\uDC00b")).isEqualTo("a\uFFFDb");
    assertThat(JsonText.sanitize("end\uD83D")).isEqualTo("end\uFFFD");
    assertThat(JsonText.sanitize("\uDE00\uD83D")).isEqualTo("\uFFFD\uFFFD");
    assertThat(JsonText.sanitize("ok" + EMOJI + "\uD800")).isEqualTo("ok" + EMOJI + "\uFFFD");
  }

  @Test
  void utf8LengthMatchesTheEncoderAndCountsLoneSurrogatesAsTheirReplacement() {
    String text = "a\u00e9\u4e2d" + EMOJI;

    assertThat(JsonText.utf8Length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length).isEqualTo(10);
    assertThat(JsonText.utf8Length("\uD800")).isEqualTo(3);
  }

  @Test
  void truncateCountsBytesAndNeverSplitsASurrogatePair() {
    String text = "ab" + EMOJI + EMOJI;

    assertThat(JsonText.truncate(text, 10, "")).isSameAs(text);
    assertThat(JsonText.truncate(text, 9, "")).isEqualTo("ab" + EMOJI);
    assertThat(JsonText.truncate(text, 5, "")).isEqualTo("ab");
    assertThat(JsonText.truncate(text, 6, "")).isEqualTo("ab" + EMOJI);
    assertThat(JsonText.truncate("x".repeat(100), 30, JsonText.TRUNCATED_MARKER))
        .isEqualTo("xxxxx" + JsonText.TRUNCATED_MARKER)
        .hasSize(30);
  }

  @Test
  void quoteEscapesLikeJsonAndRoundTrips() throws Exception {
    String text = "quote \" backslash \\ newline \n tab \t nul \u0000 bell \u0007 del \u007f " + EMOJI;

    String quoted = JsonText.quote(text, 1000, JsonText.TRUNCATED_MARKER);

    assertThat(json.readValue(quoted, String.class)).isEqualTo(text);
    assertThat(quoted).contains("\\u0000", "\\u0007", "\\n", "\\\"");
  }

  @Test
  void quoteCutsToTheByteBudgetWithTheMarkerAndStaysValidJson() throws Exception {
    String text = "\"".repeat(100);

    StringBuilder out = new StringBuilder();
    long size = JsonText.appendQuoted(out, text, 64, JsonText.TRUNCATED_MARKER);

    assertThat(size).isNegative();
    assertThat(out.toString().getBytes(StandardCharsets.UTF_8).length).isEqualTo(-size).isLessThanOrEqualTo(64);
    assertThat(json.readValue(out.toString(), String.class)).endsWith(JsonText.TRUNCATED_MARKER).startsWith("\"");
  }

  @Test
  void quoteNeverSplitsAPairAndReplacesLoneSurrogates() throws Exception {
    String text = EMOJI.repeat(20) + "\uD800";

    String cut = JsonText.quote(text, 40, "");
    String whole = JsonText.quote(text, 1000, "");

    assertThat(json.readValue(cut, String.class)).isEqualTo(EMOJI.repeat(9));
    assertThat(json.readValue(whole, String.class)).isEqualTo(EMOJI.repeat(20) + "\uFFFD");
  }

  @Test
  void quotingWithAndWithoutTheSizingPassGivesTheSameTextAndItsExactUtf8Size() throws Exception {
    char[] alphabet = {'a', 'Z', ' ', '"', '\\', '\n', '\u0001', '\u001f', '\u007f', '\u00e9', '\u4e2d', '\uD83D',
        '\uDE00'};
    Random random = new Random(42);
    for (int n = 0; n < 2_000; n++) {
      StringBuilder chars = new StringBuilder();
      int length = random.nextInt(40);
      for (int i = 0; i < length; i++) {
        chars.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String text = chars.toString();

      // A budget far above 6 bytes per char takes the single pass; the exact size takes the sizing pass.
      StringBuilder single = new StringBuilder();
      long singleSize = JsonText.appendQuoted(single, text, 1000, JsonText.TRUNCATED_MARKER);
      StringBuilder sized = new StringBuilder();
      long sizedSize = JsonText.appendQuoted(sized, text, (int) singleSize, JsonText.TRUNCATED_MARKER);

      assertThat(sized.toString()).as("text %s", n).isEqualTo(single.toString());
      assertThat(sizedSize).isEqualTo(singleSize)
          .isEqualTo(single.toString().getBytes(StandardCharsets.UTF_8).length);
      assertThat(json.readValue(single.toString(), String.class)).isEqualTo(JsonText.sanitize(text));
    }
  }
}
