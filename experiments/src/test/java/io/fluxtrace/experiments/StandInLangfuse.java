package io.fluxtrace.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.testing.LangfuseIngestion;
import io.fluxtrace.testing.LangfuseOpenApi;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A stand-in Langfuse on loopback: serves datasets and their items page by page, accepts OTLP exports and score
 * ingestion, and checks every request against the official OpenAPI description (paths, methods, query
 * parameters, ingestion bodies), every body it serves against the response schemas, and every OTLP payload with the
 * strict OTLP parser. Faults: wrong keys get 401; a page can be made to fail with 500.
 */
final class StandInLangfuse implements AutoCloseable {

  static final String PUBLIC_KEY = "pk-lf-standin";
  static final String SECRET_KEY = "sk-lf-standin";
  private static final String AUTHORIZATION = "Basic " + Base64.getEncoder()
      .encodeToString((PUBLIC_KEY + ":" + SECRET_KEY).getBytes(StandardCharsets.UTF_8));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OTLP_PATH = "/api/public/otel/v1/traces";

  private final OtlpReceiver receiver = OtlpReceiver.start();
  private final Map<String, ObjectNode> datasets = new ConcurrentHashMap<>();
  private final Map<String, List<ObjectNode>> items = new ConcurrentHashMap<>();
  private final Set<Integer> failingPages = ConcurrentHashMap.newKeySet();
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  private final JsonNode spec = loadSpec();

  StandInLangfuse() {
    // The schema validator loads resources the first time it checks a date: done here, on the test thread,
    // rather than on the server's event loop, where BlockHound would (rightly) refuse the file read.
    dataset("warm-up", 1, 0);
    served("Dataset", Objects.requireNonNull(datasets.get("warm-up")));
    ObjectNode page = JSON.createObjectNode();
    page.putArray("data").add(Objects.requireNonNull(items.get("warm-up")).get(0));
    page.putObject("meta").put("page", 1).put("limit", 1).put("totalItems", 1).put("totalPages", 1);
    served("PaginatedDatasetItems", page);
    receiver.respondWith(this::answer);
  }

  /** A tracer that exports to this stand-in with the right keys. */
  FluxTracer tracer() {
    return tracer(SECRET_KEY);
  }

  /** A tracer that exports to this stand-in with this secret key. */
  FluxTracer tracer(String secretKey) {
    return FluxTracer.builder(Map.of())
        .publicKey(PUBLIC_KEY)
        .secretKey(secretKey)
        .baseUrl(receiver.baseUrl())
        .allowInsecureHttp(true)
        .shutdownHook(false)
        .flushInterval(Duration.ofMillis(200))
        .build();
  }

  String baseUrl() {
    return receiver.baseUrl();
  }

  /** Adds a dataset whose items are {@code count} ACTIVE items from {@code item} (index to input, expected). */
  void dataset(String name, int count, int archived) {
    String id = "ds-" + name;
    ObjectNode dataset = JSON.createObjectNode()
        .put("id", id)
        .put("name", name)
        .put("description", "a stand-in dataset")
        .put("projectId", "project-1")
        .put("createdAt", "2026-12-01T10:00:00.000Z")
        .put("updatedAt", "2026-12-01T10:00:00.000Z");
    dataset.putNull("metadata");
    dataset.putNull("inputSchema");
    dataset.putNull("expectedOutputSchema");
    datasets.put(name, dataset);
    List<ObjectNode> list = new ArrayList<>();
    for (int i = 0; i < count + archived; i++) {
      ObjectNode item = JSON.createObjectNode()
          .put("id", "item-" + i)
          .put("status", i < count ? "ACTIVE" : "ARCHIVED")
          .put("input", "question " + i)
          .put("expectedOutput", "answer " + i)
          .put("datasetId", id)
          .put("datasetName", name)
          .put("createdAt", "2026-12-01T10:00:00.000Z")
          .put("updatedAt", "2026-12-02T10:00:" + String.format("%02d", i % 60) + ".000Z");
      item.putObject("metadata").put("index", i).put("topic", i % 2 == 0 ? "even" : "odd");
      item.putNull("sourceTraceId");
      item.putNull("sourceObservationId");
      item.putArray("mediaReferences");
      list.add(item);
    }
    items.put(name, list);
  }

  /** Page {@code page} of every dataset answers 500 from now on. */
  void failPage(int page) {
    failingPages.add(page);
  }

  List<ReceivedRequest> requests() {
    return receiver.requests();
  }

  List<ReceivedRequest> requests(String method, String pathPrefix) {
    List<ReceivedRequest> found = new ArrayList<>();
    for (ReceivedRequest request : receiver.requests()) {
      if (request.method().equals(method) && request.path().startsWith(pathPrefix)) {
        found.add(request);
      }
    }
    return found;
  }

  /** Every span received, parsed strictly with the OTLP protos. */
  List<Span> spans() {
    List<Span> spans = new ArrayList<>();
    for (ReceivedRequest request : requests("POST", OTLP_PATH)) {
      spans.addAll(OtlpJson.spans(request.traces()));
    }
    return spans;
  }

  /** The body of every score-create event received. */
  List<JsonNode> scores() {
    List<JsonNode> scores = new ArrayList<>();
    for (ReceivedRequest request : requests("POST", LangfuseIngestion.PATH)) {
      for (JsonNode event : LangfuseIngestion.events(request)) {
        scores.add(event.path("body"));
      }
    }
    return scores;
  }

  /** What was wrong with any request, by the OpenAPI description; empty when nothing was. */
  List<String> violations() {
    List<String> all = new ArrayList<>(violations);
    all.addAll(LangfuseIngestion.violations(requests("POST", LangfuseIngestion.PATH)));
    return all;
  }

  private Reply answer(ReceivedRequest request) {
    checkAgainstSpec(request);
    if (!AUTHORIZATION.equals(request.header("authorization"))) {
      return Reply.status(401, "{\"message\":\"Invalid credentials\"}");
    }
    String path = request.path();
    int query = path.indexOf('?');
    String route = query < 0 ? path : path.substring(0, query);
    Map<String, String> params = query < 0 ? Map.of() : params(path.substring(query + 1));
    if (request.method().equals("POST") && route.equals(OTLP_PATH)) {
      request.traces(); // strict: throws (and the test fails on a 500) on a malformed payload
      return Reply.ok();
    }
    if (request.method().equals("POST") && route.equals(LangfuseIngestion.PATH)) {
      return LangfuseIngestion.allSucceeded(request);
    }
    if (request.method().equals("GET") && route.startsWith("/api/public/v2/datasets/")) {
      String name = URLDecoder.decode(route.substring("/api/public/v2/datasets/".length()), StandardCharsets.UTF_8);
      ObjectNode dataset = datasets.get(name);
      return dataset == null
          ? Reply.status(404, "{\"message\":\"Dataset not found\"}")
          : served("Dataset", dataset);
    }
    if (request.method().equals("GET") && route.equals("/api/public/dataset-items")) {
      String name = params.getOrDefault("datasetName", "");
      int page = Integer.parseInt(params.getOrDefault("page", "1"));
      int limit = Integer.parseInt(params.getOrDefault("limit", "50"));
      if (failingPages.contains(page)) {
        return Reply.status(500, "{\"message\":\"Internal Server Error\"}");
      }
      List<ObjectNode> all = items.getOrDefault(name, List.of());
      ObjectNode body = JSON.createObjectNode();
      ArrayNode data = body.putArray("data");
      for (int i = (page - 1) * limit; i < Math.min(all.size(), page * limit); i++) {
        data.add(all.get(i));
      }
      body.putObject("meta").put("page", page).put("limit", limit).put("totalItems", all.size())
          .put("totalPages", (all.size() + limit - 1) / limit);
      return served("PaginatedDatasetItems", body);
    }
    violations.add("unexpected request " + request.method() + " " + path);
    return Reply.status(404);
  }

  private Reply served(String schema, JsonNode body) {
    LangfuseOpenApi.get().schemaErrors(schema, body).forEach(e -> violations.add("served " + schema + ": " + e));
    return Reply.status(200, body.toString());
  }

  /** The request's method and path must be an operation of the spec, its query parameters declared there. */
  private void checkAgainstSpec(ReceivedRequest request) {
    String path = request.path();
    int query = path.indexOf('?');
    String route = query < 0 ? path : path.substring(0, query);
    JsonNode operation = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String regex = Pattern.quote(entry.getKey()).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
      if (route.matches(regex) && entry.getValue().has(request.method().toLowerCase())) {
        operation = entry.getValue().path(request.method().toLowerCase());
        break;
      }
    }
    if (operation == null) {
      violations.add("no operation " + request.method() + " " + route + " in the OpenAPI description");
      return;
    }
    Set<String> declared = new HashSet<>();
    for (JsonNode parameter : operation.path("parameters")) {
      if ("query".equals(parameter.path("in").asText())) {
        declared.add(parameter.path("name").asText());
        String type = parameter.path("schema").path("type").asText();
        String value = query < 0 ? null : params(path.substring(query + 1)).get(parameter.path("name").asText());
        if (value != null && "integer".equals(type) && !value.matches("-?\\d+")) {
          violations.add(route + ": query parameter " + parameter.path("name").asText() + " is no integer: " + value);
        }
      }
    }
    if (query >= 0) {
      for (String name : params(path.substring(query + 1)).keySet()) {
        if (!declared.contains(name)) {
          violations.add(route + ": query parameter " + name + " is not in the OpenAPI description");
        }
      }
    }
    if (request.method().equals("GET") && request.rawBody().length > 0) {
      violations.add(route + ": a GET with a body");
    }
  }

  private static Map<String, String> params(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  private static JsonNode loadSpec() {
    LangfuseOpenApi.get(); // skips (or fails under CI) when the spec is missing, as every spec-checked test does
    String override = System.getProperty(LangfuseOpenApi.SPEC_PROPERTY);
    Path found = null;
    if (override != null && !override.isBlank()) {
      found = Path.of(override);
    } else {
      for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve(LangfuseOpenApi.RELATIVE_PATH);
        if (Files.isRegularFile(candidate)) {
          found = candidate;
          break;
        }
      }
    }
    if (found == null) {
      throw new IllegalStateException("the OpenAPI description was found once and is gone now");
    }
    try {
      return new ObjectMapper(new YAMLFactory()).readTree(found.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    receiver.close();
  }

  static @Nullable String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
