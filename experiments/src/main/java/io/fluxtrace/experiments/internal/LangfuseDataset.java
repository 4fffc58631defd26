package io.fluxtrace.experiments.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.experiments.ExperimentException;
import io.fluxtrace.experiments.ExperimentItem;
import io.fluxtrace.internal.transport.LangfuseApiReader.Response;
import io.fluxtrace.internal.transport.LangfuseApiReader;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A Langfuse dataset read through the public API: {@code GET /api/public/v2/datasets/{name}} for its id, then
 * {@code GET /api/public/dataset-items?datasetName=&page=&limit=} page by page, each page requested only when
 * the run needs more items. Archived items are skipped, as Langfuse's SDKs do. Transient failures (429, 502, 503,
 * 504, no answer) are tried again a few times with backoff; anything else fails with a message that says what was
 * being read and what Langfuse answered.
 */
final class LangfuseDataset {

  private static final int MAX_BODY_IN_MESSAGE = 300;
  private static final int RETRIES = 3;

  private final LangfuseApiReader reader;
  private final ObjectMapper mapper;
  private final String name;
  private final int pageSize;

  private LangfuseDataset(LangfuseApiReader reader, ObjectMapper mapper, String name, int pageSize) {
    this.reader = reader;
    this.mapper = mapper;
    this.name = name;
    this.pageSize = pageSize;
  }

  /** The dataset's id and its items; the first page is read here, so its failure fails the run before it starts. */
  record Opened(String id, long totalItems, Flux<ExperimentItem> items) {}

  /**
   * Reads the dataset and its first page.
   *
   * @param skipped told how many archived items a page skipped, so that progress can take them off the total
   */
  static Mono<Opened> open(LangfuseApiReader reader, ObjectMapper mapper, String name, int pageSize,
      LongConsumer skipped) {
    LangfuseDataset dataset = new LangfuseDataset(reader, mapper, name, pageSize);
    return dataset.readDataset().flatMap(id -> dataset.page(1, skipped).map(first -> {
      Flux<ExperimentItem> rest = first.totalPages <= 1
          ? Flux.empty()
          : Flux.range(2, first.totalPages - 1)
              .concatMap(page -> dataset.page(page, skipped), 0)
              .concatMapIterable(page -> page.items);
      return new Opened(id, first.totalItems, Flux.fromIterable(first.items).concatWith(rest));
    }));
  }

  private Mono<String> readDataset() {
    String what = "dataset '" + name + "'";
    return get("api/public/v2/datasets/" + pathSegment(name), what).handle((response, sink) -> {
      if (response.status() == 404) {
        sink.error(new ExperimentException("fluxtrace: Langfuse at " + reader.baseUrlForLinks()
            + " has no dataset named '" + name + "' (HTTP 404)", null));
        return;
      }
      JsonNode body = ok(response, what, sink::error);
      if (body == null) {
        return;
      }
      JsonNode id = body.path("id");
      if (!id.isTextual() || id.asText().isEmpty()) {
        sink.error(new ExperimentException("fluxtrace: reading " + what + " gave no dataset id: "
            + excerpt(response.body()), null));
        return;
      }
      sink.next(id.asText());
    });
  }

  /** One page of items. */
  private record Page(List<ExperimentItem> items, int totalPages, long totalItems) {}

  private Mono<Page> page(int page, LongConsumer skipped) {
    String what = "page " + page + " of the items of dataset '" + name + "'";
    String query = "api/public/dataset-items?datasetName=" + URLEncoder.encode(name, StandardCharsets.UTF_8)
        + "&page=" + page + "&limit=" + pageSize;
    return get(query, what).handle((response, sink) -> {
      JsonNode body = ok(response, what, sink::error);
      if (body == null) {
        return;
      }
      JsonNode data = body.path("data");
      JsonNode meta = body.path("meta");
      if (!data.isArray() || !meta.path("totalPages").canConvertToInt()) {
        sink.error(new ExperimentException("fluxtrace: reading " + what + " gave no list of items with paging: "
            + excerpt(response.body()), null));
        return;
      }
      List<ExperimentItem> items = new ArrayList<>(data.size());
      long archived = 0;
      for (JsonNode node : data) {
        if (!"ACTIVE".equals(node.path("status").asText("ACTIVE"))) {
          archived++;
          continue;
        }
        items.add(item(node));
      }
      if (archived > 0) {
        skipped.accept(archived);
      }
      sink.next(new Page(items, meta.path("totalPages").asInt(), meta.path("totalItems").asLong(-1)));
    });
  }

  private ExperimentItem item(JsonNode node) {
    Map<String, @Nullable Object> metadata = new LinkedHashMap<>();
    JsonNode meta = node.path("metadata");
    if (meta.isObject()) {
      meta.fields().forEachRemaining(entry -> metadata.put(entry.getKey(), plain(entry.getValue())));
    } else if (!meta.isMissingNode() && !meta.isNull()) {
      metadata.put("metadata", plain(meta));
    }
    JsonNode updatedAt = node.path("updatedAt");
    return new ExperimentItem(node.path("id").asText(), plain(node.path("input")),
        plain(node.path("expectedOutput")), metadata, updatedAt.isTextual() ? updatedAt.asText() : null);
  }

  /** A JSON value as plain Java values: maps, lists, strings, numbers, booleans, null. */
  private @Nullable Object plain(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    return mapper.convertValue(node, Object.class);
  }

  private Mono<Response> get(String pathAndQuery, String what) {
    return Mono.defer(() -> reader.get(pathAndQuery))
        .flatMap(response -> transientStatus(response.status())
            ? Mono.error(new TransientAnswer(response))
            : Mono.just(response))
        .retryWhen(Retry.backoff(RETRIES, Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(2))
            .filter(LangfuseDataset::isTransient)
            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
        .onErrorResume(TransientAnswer.class, e -> Mono.just(e.response))
        .onErrorMap(e -> !(e instanceof ExperimentException), e -> new ExperimentException(
            "fluxtrace: reading " + what + " from Langfuse at " + reader.baseUrlForLinks() + " failed: " + e, e));
  }

  private static boolean transientStatus(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
  }

  private static boolean isTransient(Throwable e) {
    return e instanceof TransientAnswer || e instanceof IOException || e instanceof TimeoutException
        || e.getCause() instanceof IOException || e.getCause() instanceof TimeoutException;
  }

  /** The parsed body of a 200 answer, or null after reporting why there is none. */
  private @Nullable JsonNode ok(Response response, String what, java.util.function.Consumer<Throwable> error) {
    int status = response.status();
    if (status == 401 || status == 403) {
      error.accept(new ExperimentException("fluxtrace: Langfuse at " + reader.baseUrlForLinks()
          + " refused the tracer's keys (HTTP " + status + ") reading " + what + "; check LANGFUSE_PUBLIC_KEY,"
          + " LANGFUSE_SECRET_KEY and LANGFUSE_BASE_URL", null));
      return null;
    }
    if (status != 200) {
      error.accept(new ExperimentException("fluxtrace: reading " + what + " from Langfuse at "
          + reader.baseUrlForLinks() + " failed with HTTP " + status + ": " + excerpt(response.body()), null));
      return null;
    }
    try {
      return mapper.readTree(response.body());
    } catch (IOException e) {
      error.accept(new ExperimentException("fluxtrace: reading " + what + " gave a body that is no JSON: "
          + excerpt(response.body()), e));
      return null;
    }
  }

  private static String excerpt(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    return text.length() > MAX_BODY_IN_MESSAGE ? text.substring(0, MAX_BODY_IN_MESSAGE) + "..." : text;
  }

  /** A path segment: URLEncoder's form encoding, except that a space is %20 in a path. */
  private static String pathSegment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** An answer worth asking again for; carries the last one, which is reported if every try gets it. */
  private static final class TransientAnswer extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Response response;

    TransientAnswer(Response response) {
      super("HTTP " + response.status(), null, false, false);
      this.response = response;
    }
  }
}
