package io.fluxtrace.internal.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The table mirrors Langfuse's PublicEnvironmentName schema (lowercase, strip, cut to 40, validate). */
class LangfuseEnvironmentTest {

  @ParameterizedTest(name = "[{index}] ''{0}'' -> ''{1}''")
  @CsvSource(nullValues = "NULL", value = {
      "NULL,                    default",
      "'',                      default",
      "production,              production",
      "Production,              production",
      "STAGING-eu_1,            staging-eu_1",
      "langfuse-prod,           prod",
      "langfuse_prod,           prod",
      "langfuseprod,            prod",
      "LangFuse-Langfuse_langfuseprod, prod",
      "langfuse--prod,          -prod",
      "langfuse,                default",
      "langfuse-,               default",
      "prod-langfuse,           prod-langfuse",
      "' prod',                 default",
      "prod.eu,                 default",
      "prod/eu,                 default",
      "d\u00e9v,                default",
      "0123456789012345678901234567890123456789xyz, 0123456789012345678901234567890123456789",
      "langfuse-0123456789012345678901234567890123456789!, 0123456789012345678901234567890123456789",
      "0123456789012345678901234567890123456789!, 0123456789012345678901234567890123456789",
  })
  void normalizesAsLangfuseDoes(@Nullable String input, String expected) {
    assertThat(LangfuseEnvironment.normalize(input)).isEqualTo(expected);
  }
}
