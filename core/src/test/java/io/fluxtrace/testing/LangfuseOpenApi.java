package io.fluxtrace.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi30;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The official Langfuse OpenAPI description ({@code shared/spec/langfuse-openapi.yml}, kept beside the checkout,
 * not in it) as a JSON schema validator for request bodies.
 *
 * <p>Found through the system property {@value #SPEC_PROPERTY}, else by walking up from the working directory
 * to a folder holding {@value #RELATIVE_PATH}. When it cannot be found the test fails under {@code CI=true}
 * (an unchecked payload must not pass CI) and is skipped, visibly, elsewhere.
 */
public final class LangfuseOpenApi {

  /** A system property naming the spec file. */
  public static final String SPEC_PROPERTY = "fluxtrace.langfuseSpec";
  /** Where the spec lives relative to an ancestor of the checkout. */
  public static final String RELATIVE_PATH = "shared/spec/langfuse-openapi.yml";

  private static final String BASE = "https://fluxtrace.test/langfuse-openapi.json";
  private static final String INGESTION_REQUEST =
      "#/paths/~1api~1public~1ingestion/post/requestBody/content/application~1json/schema";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile @Nullable LangfuseOpenApi instance;

  private final JsonSchemaFactory factory;
  private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

  private LangfuseOpenApi(Path spec) {
    String json;
    try {
      json = JSON.writeValueAsString(new ObjectMapper(new YAMLFactory()).readTree(spec.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + spec, e);
    }
    this.factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4, b -> b
        .metaSchema(OpenApi30.getInstance())
        .defaultMetaSchemaIri(OpenApi30.getInstance().getIri())
        .schemaLoaders(l -> l.schemas(Map.of(BASE, json))));
  }

  /** The spec, loaded once; fails under {@code CI=true} and skips elsewhere when it cannot be found. */
  public static LangfuseOpenApi get() {
    LangfuseOpenApi api = instance;
    if (api == null) {
      synchronized (LangfuseOpenApi.class) {
        api = instance;
        if (api == null) {
          Path spec = require(
              locate(System.getProperty(SPEC_PROPERTY), Path.of("").toAbsolutePath()),
              "true".equalsIgnoreCase(System.getenv("CI")));
          api = new LangfuseOpenApi(spec);
          instance = api;
        }
      }
    }
    return api;
  }

  /** The spec named by {@code override}, else the first {@value #RELATIVE_PATH} found walking up from {@code start}. */
  static Optional<Path> locate(@Nullable String override, Path start) {
    if (override != null && !override.isBlank()) {
      Path path = Path.of(override);
      return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
    }
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(RELATIVE_PATH);
      if (Files.isRegularFile(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The located spec; without one, fails when {@code ci}, else aborts (skips) the test. */
  static Path require(Optional<Path> spec, boolean ci) {
    if (spec.isPresent()) {
      return spec.get();
    }
    String message = "Langfuse OpenAPI spec not found: set -D" + SPEC_PROPERTY + "=<file> or keep "
        + RELATIVE_PATH + " beside the checkout";
    if (ci) {
      return Assertions.fail(message + " (CI=true: payloads must be checked against the spec)");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  /** The violations of {@code body} against the request body schema of {@code POST /api/public/ingestion}. */
  public List<String> ingestionRequestErrors(JsonNode body) {
    return errors(INGESTION_REQUEST, body);
  }

  /** The violations of {@code node} against {@code #/components/schemas/<name>}. */
  public List<String> schemaErrors(String name, JsonNode node) {
    return errors("#/components/schemas/" + name, node);
  }

  private List<String> errors(String pointer, JsonNode node) {
    JsonSchema schema = schemas.computeIfAbsent(pointer, p -> {
      ObjectNode ref = JSON.createObjectNode().put("$ref", BASE + p);
      JsonSchema s = factory.getSchema(ref, SchemaValidatorsConfig.builder().build());
      s.initializeValidators();
      return s;
    });
    return schema.validate(node).stream().map(ValidationMessage::getMessage).collect(Collectors.toList());
  }
}
