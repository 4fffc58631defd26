package io.fluxtrace.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A Langfuse ingestion endpoint on loopback ({@code POST /api/public/ingestion}) for tests: records every request
 * and answers as the test scripts it, by default 207 with every event a success. {@link #violations()} checks
 * every recorded body against the official OpenAPI schemas and against what the server silently relies on
 * (a {@code body.id}, unique event ids, ISO-8601 timestamps with an offset).
 */
public final class IngestionReceiver implements AutoCloseable {

  /** The path the receiver serves. */
  public static final String PATH = "/api/public/ingestion";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern MILLIS = Pattern.compile(".*T\\d{2}:\\d{2}:\\d{2}\\.\\d{3,9}(Z|[+-]\\d{2}:\\d{2})");

  private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
  private volatile Function<Request, Reply> responder = Reply::allSucceeded;
  private final DisposableServer server;

  private IngestionReceiver() {
    this.server = HttpServer.create()
        .host("127.0.0.1")
        .port(0)
        .route(routes -> routes.post(PATH, (req, res) -> req.receive().aggregate().asByteArray()
            .defaultIfEmpty(new byte[0])
            .flatMap(bytes -> {
              Map<String, String> headers = new LinkedHashMap<>();
              req.requestHeaders().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
              Request request = new Request(requests.size(), headers, bytes);
              requests.add(request);
              Reply reply = responder.apply(request);
              if (reply.status() == Reply.HANG) {
                return Mono.never();
              }
              reply.headers().forEach(res::header);
              return res.status(reply.status())
                  .header("content-type", "application/json")
                  .sendString(Mono.just(reply.body()))
                  .then();
            })))
        .bindNow();
  }

  /** A receiver on a free loopback port. */
  public static IngestionReceiver start() {
    return new IngestionReceiver();
  }

  /** The base URL, such as {@code http://127.0.0.1:41234}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  /** The ingestion URL. */
  public URI endpoint() {
    return URI.create(baseUrl() + PATH);
  }

  /** Answers every later request with {@code responder}, which runs on the server's event loop. */
  public void respond(Function<Request, Reply> responder) {
    this.responder = responder;
  }

  /** Every request received so far, in order. */
  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  /**
   * What is wrong with the requests received so far, empty when nothing is: each body must be a valid
   * {@code POST /api/public/ingestion} request, each event body a valid {@code CreateScoreRequest} too, each
   * event a {@code score-create} with a {@code body.id}, an event id unique across all requests, and a timestamp
   * with milliseconds and an offset.
   */
  public List<String> violations() {
    LangfuseOpenApi spec = LangfuseOpenApi.get();
    List<String> violations = new ArrayList<>();
    Set<String> eventIds = new HashSet<>();
    for (Request request : requests) {
      String where = "request " + request.index() + ": ";
      JsonNode body;
      try {
        body = request.json();
      } catch (RuntimeException e) {
        violations.add(where + "not JSON: " + e.getMessage());
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
          if (!MILLIS.matcher(timestamp).matches()) {
            violations.add(where + "timestamp without milliseconds or offset: " + timestamp);
          }
        } catch (DateTimeParseException e) {
          violations.add(where + "timestamp not ISO-8601 with offset: " + timestamp);
        }
        spec.schemaErrors("CreateScoreRequest", event.path("body"))
            .forEach(v -> violations.add(where + "body of " + id + " as CreateScoreRequest: " + v));
      }
    }
    return violations;
  }

  @Override
  public void close() {
    server.disposeNow();
  }

  /**
   * One received request.
   *
   * @param index its position, from 0
   * @param headers its headers, names lowercased
   * @param body its body
   */
  public record Request(int index, Map<String, String> headers, byte[] body) {

    /** The body as JSON. */
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (Exception e) {
        throw new IllegalStateException("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
      }
    }

    /** The events of the batch. */
    public List<JsonNode> events() {
      List<JsonNode> events = new ArrayList<>();
      json().path("batch").forEach(events::add);
      return events;
    }

    /** The score ids ({@code body.id}) of the batch, in order. */
    public List<String> scoreIds() {
      List<String> ids = new ArrayList<>();
      events().forEach(e -> ids.add(e.path("body").path("id").asText()));
      return ids;
    }
  }

  /**
   * An answer.
   *
   * @param status the HTTP status
   * @param headers extra headers
   * @param body the JSON body
   */
  public record Reply(int status, Map<String, String> headers, String body) {

    /** The status of {@link #hang()}. */
    static final int HANG = -1;

    /** Never answers, so that the client times out. */
    public static Reply hang() {
      return new Reply(HANG, Map.of(), "");
    }

    /** 207 with every event of {@code request} a success. */
    public static Reply allSucceeded(Request request) {
      return perEvent(request, scoreId -> 201);
    }

    /**
     * 207 with one result per event, its status chosen by score id (201 a success, anything else an error with
     * a message the way Langfuse words it).
     */
    public static Reply perEvent(Request request, Function<String, Integer> statusByScoreId) {
      StringBuilder successes = new StringBuilder();
      StringBuilder errors = new StringBuilder();
      for (JsonNode event : request.events()) {
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
      return new Reply(207, Map.of(), "{\"successes\":[" + successes + "],\"errors\":[" + errors + "]}");
    }

    /** A whole-request answer with this status and a Langfuse-like message. */
    public static Reply status(int status) {
      return new Reply(status, Map.of(), "{\"message\":\"" + message(status) + "\"}");
    }

    /** This answer with one more header. */
    public Reply withHeader(String name, String value) {
      Map<String, String> copy = new LinkedHashMap<>(headers);
      copy.put(name, value);
      return new Reply(status, copy, body);
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
}
