package io.fluxtrace.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.FluxTracerBuilder;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The metadata spring-boot-configuration-processor generated for IDEs: every builder setting that is a value has a
 * {@code fluxtrace.*} property, and every property has a description.
 */
class ConfigurationMetadataTest {

  /** Builder settings that take objects, configured with beans instead of properties. */
  private static final Set<String> BEANS = Set.of("exporter", "scoreExporter", "objectMapper", "masker", "clock",
      "exportScheduler", "build");

  /** Builder settings grouped under a prefix of their own. */
  private static final Map<String, String> GROUPED = Map.of("mediaUpload", "fluxtrace.media.enabled",
      "maxQueuedMedia", "fluxtrace.media.max-queued", "maxQueuedMediaBytes", "fluxtrace.media.max-queued-bytes");

  @Test
  void everyValueSettingOfTheBuilderIsADescribedProperty() throws Exception {
    JsonNode metadata;
    try (InputStream in = Objects.requireNonNull(getClass().getClassLoader()
        .getResourceAsStream("META-INF/spring-configuration-metadata.json"))) {
      metadata = new ObjectMapper().readTree(in);
    }
    List<String> names = new ArrayList<>();
    for (JsonNode property : metadata.path("properties")) {
      String name = property.path("name").asText();
      if (name.startsWith("fluxtrace.")) {
        names.add(name);
        assertThat(property.path("description").asText()).as("description of %s", name).isNotBlank();
      }
    }
    for (Method setter : FluxTracerBuilder.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(setter.getModifiers()) || setter.getReturnType() != FluxTracerBuilder.class
          || BEANS.contains(setter.getName())) {
        continue;
      }
      if (setter.getName().equals("tailSampling")) {
        // A group of settings, one property each under fluxtrace.sampling.
        assertThat(names).as("properties for builder setting tailSampling").contains("fluxtrace.sampling.tail",
            "fluxtrace.sampling.keep-slower-than", "fluxtrace.sampling.max-held-bytes");
        continue;
      }
      String property = setter.getName().equals("projectId")
          // The project id is first a trace link setting of the starter's web filter.
          ? "fluxtrace.trace-url.project-id"
          : GROUPED.getOrDefault(setter.getName(),
              "fluxtrace." + (setter.getName().equals("header") ? "headers" : kebab(setter.getName())));
      assertThat(names).as("a property for builder setting %s", setter.getName()).contains(property);
    }
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
  }
}
