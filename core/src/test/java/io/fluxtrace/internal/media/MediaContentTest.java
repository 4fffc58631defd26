package io.fluxtrace.internal.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.Media;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MediaContentTest {

  private static final byte[] PNG = "not really a png".getBytes(StandardCharsets.UTF_8);
  private static final String PNG_BASE64 = Base64.getEncoder().encodeToString(PNG);

  @Test
  void theMediaIdIsTheUrlSafeBase64Sha256CutTo22CharsAsLangfuseDerivesIt() throws Exception {
    String sha256 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(PNG));
    MediaContent content = MediaContent.of(PNG, "image/png", MediaContent.SOURCE_BYTES);

    assertThat(content.sha256()).isEqualTo(sha256);
    assertThat(content.mediaId()).hasSize(22).isEqualTo(sha256.substring(0, 22).replace('+', '-').replace('/', '_'))
        .matches("[A-Za-z0-9_-]{22}");
    assertThat(content.reference())
        .isEqualTo("@@@langfuseMedia:type=image/png|id=" + content.mediaId() + "|source=bytes@@@");
    assertThat(MediaContent.mediaId("ab+/cd+/ef+/gh+/ij+/kl+/mn==")).isEqualTo("ab-_cd-_ef-_gh-_ij-_kl");
  }

  @Test
  void aDataUriOfAListedTypeIsMediaWithItsDecodedBytes() {
    MediaContent content = Objects.requireNonNull(MediaContent.ofDataUri("data:image/PNG;base64," + PNG_BASE64));

    assertThat(content.bytes()).isEqualTo(PNG);
    assertThat(content.contentType()).isEqualTo("image/png");
    assertThat(content.reference()).endsWith("|source=base64_data_uri@@@");
    assertThat(MediaContent.ofDataUri("data:text/plain;charset=utf-8;base64," + PNG_BASE64)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "data:image/png,plain-not-base64",
      "data:image/x-icon;base64,AAAA",
      "data:image/png;base64,not base64!",
      "data:image/png;base64,",
      "data:;base64,AAAA",
      "DATA is a word",
      "an ordinary prompt that mentions data:image/png;base64,AAAA in the middle"})
  void otherStringsAreNotMediaAndAreSentAsTheyAre(String text) {
    assertThat(MediaContent.ofDataUri(text)).isNull();
  }

  @Test
  void mediaOfATypeLangfuseDoesNotListIsSentAsOctetStream() {
    MediaContent content = Objects.requireNonNull(MediaUploader.content(Media.of(PNG, "image/x-icon")));

    assertThat(content.contentType()).isEqualTo("application/octet-stream");
    assertThat(MediaUploader.content(new byte[0])).as("nothing to upload").isNull();
    assertThat(MediaUploader.content("text")).isNull();
  }

  @Test
  void releasedContentKeepsItsSizeAndTypeForThePlaceholder() {
    MediaContent content = MediaContent.of(PNG, "audio/wav", MediaContent.SOURCE_BYTES);
    content.release();

    assertThat(content.bytes()).isNull();
    assertThat(content.placeholder("why")).isEqualTo("<fluxtrace: media audio/wav, 16 bytes, not uploaded: why>");
  }
}
