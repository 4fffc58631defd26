package io.fluxtrace.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class LangfuseOpenApiTest {

  @Test
  void findsTheSpecInAnAncestorFolder(@TempDir Path root) throws Exception {
    Path spec = root.resolve(LangfuseOpenApi.RELATIVE_PATH);
    Files.createDirectories(spec.getParent());
    Files.writeString(spec, "openapi: 3.0.1\n");
    Path checkout = Files.createDirectories(root.resolve("wt/scores/core"));

    assertThat(LangfuseOpenApi.locate(null, checkout)).contains(spec);
    assertThat(LangfuseOpenApi.locate(spec.toString(), root.resolve("elsewhere"))).contains(spec);
    assertThat(LangfuseOpenApi.locate(root.resolve("missing.yml").toString(), checkout)).isEmpty();
  }

  @Test
  void aMissingSpecFailsUnderCiAndSkipsElsewhere(@TempDir Path empty) {
    Optional<Path> none = LangfuseOpenApi.locate(null, empty);

    assertThatThrownBy(() -> LangfuseOpenApi.require(none, true))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("CI=true");
    assertThatThrownBy(() -> LangfuseOpenApi.require(none, false)).isInstanceOf(TestAbortedException.class);
  }

  @Test
  void theValidatorRejectsAScoreEventThatBreaksTheSchema() throws Exception {
    ObjectMapper json = new ObjectMapper();

    assertThat(LangfuseOpenApi.get().ingestionRequestErrors(json.readTree(
        "{\"batch\":[{\"type\":\"score-create\",\"body\":{\"name\":\"n\",\"value\":true,\"dataType\":\"NUMBER\"}}]}")))
        .anyMatch(e -> e.contains("required property 'id'"))
        .anyMatch(e -> e.contains("required property 'timestamp'"))
        .anyMatch(e -> e.contains("boolean found"))
        .anyMatch(e -> e.contains("dataType"));
    assertThat(LangfuseOpenApi.get().ingestionRequestErrors(json.readTree("{\"events\":[]}")))
        .anyMatch(e -> e.contains("required property 'batch'"));
  }
}
