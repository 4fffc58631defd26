package io.fluxtrace.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.NullMarked;

/**
 * Reads and answers Langfuse ingestion requests ({@code POST /api/public/ingestion}) received by an
 * {@link OtlpReceiver}: the events and score ids of a batch, 207 answers with one result per event, and
 * {@link #violations} that checks every request against the official OpenAPI schemas and what the server silently
 * relies on.
 *
 * <pre>{@code
 * receiver.respondWith(request -> LangfuseIngestion.perEvent(request, scoreId -> scoreId.equals(bad) ? 400 : 201));
 * ... send scores to receiver.baseUrl() ...
 * assertThat(LangfuseIngestion.violations(receiver.requests())).isEmpty();
 * }</pre>
 */
@NullMarked
public final class LangfuseIngestion {

  /** The ingestion path. */
  public static final String PATH = "/api/public/ingestion";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern MILLIS_AND_OFFSET =
      Pattern.compile(".*T\\d{2}:\\d{2}:\\d{2}\\.\\d{3,9}(Z|[+-]\\d{2}:\\d{2})");

  private LangfuseIngestion() {}

  /** The request body as JSON. */
  public static JsonNode json(ReceivedRequest request) {
    try {
      return JSON.readTree(request.body());
    } catch (Exception e) {
      throw new IllegalStateException("not JSON: " + request.bodyText(), e);
    }
  }

  /** The events of the batch, in order. */
  public static List<JsonNode> events(ReceivedRequest request) {
    List<JsonNode> events = new ArrayList<>();
    json(request).path("batch").forEach(events::add);
    return events;
  }

  /** The score ids ({@code body.id}) of the batch, in order. */
  public static List<String> scoreIds(ReceivedRequest request) {
    List<String> ids = new ArrayList<>();
    events(request).forEach(e -> ids.add(e.path("body").path("id").asText()));
    return ids;
  }

  /** The envelope ids of the batch, in order. */
  public static List<String> eventIds(ReceivedRequest request) {
    List<String> ids = new ArrayList<>();
    events(request).forEach(e -> ids.add(e.path("id").asText()));
    return ids;
  }

  /** 207 with every event of {@code request} a success, as Langfuse answers an accepted batch. */
  public static Reply allSucceeded(ReceivedRequest request) {
    return perEvent(request, scoreId -> 201);
  }

  /**
   * 207 with one result per event, its status chosen by score id: 201 is a success, anything else an error
   * worded the way Langfuse words it ({@code message}, and the detail in {@code error}).
   */
  public static Reply perEvent(ReceivedRequest request, Function<String, Integer> statusByScoreId) {
    StringBuilder successes = new StringBuilder();
    StringBuilder errors = new StringBuilder();
    for (JsonNode event : events(request)) {
      String eventId = event.path("id").asText();
      int status = statusByScoreId.apply(event.path("body").path("id").asText());
      if (status == 201) {
        successes.append(successes.length() == 0 ? "" : ",")
            .append("{\"id\":\"").append(eventId).append("\",\"status\":201}");
      } else {
        errors.append(errors.length() == 0 ? "" : ",")
            .append("{\"id\":\"").append(eventId).append("\",\"status\":").append(status)
            .append(",\"message\":\"").append(message(status)).append("\",\"error\":\"detail ").append(status)
            .append("\"}");
      }
    }
    return Reply.status(207, "{\"successes\":[" + successes + "],\"errors\":[" + errors + "]}");
  }

  /**
   * What is wrong with {@code requests}, empty when nothing is: each must be a {@code POST} to {@value #PATH}
   * whose body is a valid ingestion request by the official OpenAPI description, each event body a valid
   * {@code CreateScoreRequest} too, each event a {@code score-create} with a {@code body.id} (the server drops a
   * score without one silently), an envelope id unique across all requests, and a timestamp with milliseconds and
   * an offset.
   */
  public static List<String> violations(List<ReceivedRequest> requests) {
    LangfuseOpenApi spec = LangfuseOpenApi.get();
    List<String> violations = new ArrayList<>();
    Set<String> eventIds = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      ReceivedRequest request = requests.get(i);
      String where = "request " + i + ": ";
      if (!"POST".equals(request.method()) || !PATH.equals(request.path())) {
        violations.add(where + request.method() + " " + request.path() + " instead of POST " + PATH);
      }
      JsonNode body;
      try {
        body = json(request);
      } catch (RuntimeException e) {
        violations.add(where + e.getMessage());
        continue;
      }
      spec.ingestionRequestErrors(body).forEach(v -> violations.add(where + v));
      for (JsonNode event : body.path("batch")) {
        String id = event.path("id").asText("");
        if (!eventIds.add(id)) {
          violations.add(where + "event id used twice: " + id);
        }
        if (!"score-create".equals(event.path("type").asText())) {
          violations.add(where + "unexpected event type " + event.path("type"));
        }
        if (event.path("body").path("id").asText("").isEmpty()) {
          violations.add(where + "event " + id + " has no body.id: Langfuse would drop it silently");
        }
        String timestamp = event.path("timestamp").asText("");
        try {
          OffsetDateTime.parse(timestamp);
          if (!MILLIS_AND_OFFSET.matcher(timestamp).matches()) {
            violations.add(where + "timestamp without milliseconds or offset: " + timestamp);
          }
        } catch (DateTimeParseException e) {
          violations.add(where + "timestamp not ISO-8601 with an offset: " + timestamp);
        }
        spec.schemaErrors("CreateScoreRequest", event.path("body"))
            .forEach(v -> violations.add(where + "body of " + id + " as CreateScoreRequest: " + v));
      }
    }
    return violations;
  }

  private static String message(int status) {
    switch (status) {
      case 400: return "Invalid request data";
      case 401: return "Authentication error";
      case 404: return "Resource not found";
      case 429: return "Rate limit exceeded";
      default: return status >= 500 ? "Internal Server Error" : "Error " + status;
    }
  }
}
