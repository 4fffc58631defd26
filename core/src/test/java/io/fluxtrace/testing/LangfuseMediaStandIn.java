package io.fluxtrace.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A stand-in for a Langfuse server with media storage, on loopback: it accepts OTLP span exports at
 * {@code /api/public/otel/v1/traces} and serves the media API as Langfuse does.
 *
 * <ul>
 *   <li>{@code POST /api/public/media}: the body is checked against the OpenAPI schema
 *       {@code GetMediaUploadUrlRequest} (400 and a recorded violation when it does not match); answers 201 with the
 *       media id Langfuse derives from the SHA-256 and a presigned-style upload URL on this server, or no URL when
 *       the same bytes (and type) are already stored;
 *   <li>{@code PUT /upload/<mediaId>?X-Amz-Signature=...}: checks the SHA-256 of the bytes against
 *       {@code x-amz-checksum-sha256} and the hash announced in the POST (400 {@code BadDigest} otherwise), the
 *       {@code Content-Type}, and that no {@code Authorization} header came along (storage refuses a second
 *       authorization); stores the bytes;
 *   <li>{@code PATCH /api/public/media/<mediaId>}: checked against {@code PatchMediaBody}; an
 *       {@code uploadHttpStatus} of 200 marks the media stored (later POSTs of the same bytes get no upload URL).
 * </ul>
 *
 * <p>Each step can be made to fail with queued replies ({@link #failPost}, {@link #failPut}, {@link #failPatch})
 * and uploads can be slowed ({@link #slowUploads}). Everything it saw is kept for assertions.
 */
@NullMarked
public final class LangfuseMediaStandIn implements AutoCloseable {

  /** The OTLP traces path below the base URL. */
  public static final String TRACES_PATH = "/api/public/otel/v1/traces";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final OtlpReceiver server = OtlpReceiver.start();
  private final LangfuseOpenApi spec = LangfuseOpenApi.get();
  private final Map<String, Announced> announced = new ConcurrentHashMap<>();
  private final Map<String, String> legacyIds = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> puts = new ConcurrentHashMap<>();
  private final Map<String, byte[]> stored = new ConcurrentHashMap<>();
  private final Map<String, Boolean> confirmed = new ConcurrentHashMap<>();
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Reply> postFaults = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Reply> putFaults = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Reply> patchFaults = new ConcurrentLinkedQueue<>();
  private volatile Duration uploadDelay = Duration.ZERO;
  private volatile @Nullable Mono<?> uploadGate;

  /** What a POST announced for a media id. */
  private record Announced(String sha256, String contentType, long contentLength) {}

  public LangfuseMediaStandIn() {
    // Loads the validators here, on the test thread, not on the server's event loop.
    // Loads the validators (and the date-time parser, which reads files when first used) here, on the test
    // thread, not on the server's event loop where BlockHound would refuse it.
    List<String> warmUp = new ArrayList<>(spec.schemaErrors("GetMediaUploadUrlRequest", JSON.createObjectNode()
        .put("traceId", "0af7651916cd43dd8448eb211c80319c").put("observationId", "b7ad6b7169203331")
        .put("contentType", "image/png").put("contentLength", 1).put("sha256Hash", "x").put("field", "input")));
    warmUp.addAll(spec.schemaErrors("PatchMediaBody", JSON.createObjectNode()
        .put("uploadedAt", "2026-12-05T06:00:00.123Z").put("uploadHttpStatus", 200).putNull("uploadHttpError")
        .put("uploadTimeMs", 5)));
    if (!warmUp.isEmpty()) {
      throw new IllegalStateException("the stand-in's own sample bodies do not match the spec: " + warmUp);
    }
    server.respondWith(this::respond);
  }

  /** The base URL to configure as Langfuse's. */
  public String baseUrl() {
    return server.baseUrl();
  }

  /** Makes the next POSTs answer these replies, one each, before answering normally again. */
  public LangfuseMediaStandIn failPost(Reply... replies) {
    postFaults.addAll(List.of(replies));
    return this;
  }

  /** Makes the next PUTs answer these replies, one each. */
  public LangfuseMediaStandIn failPut(Reply... replies) {
    putFaults.addAll(List.of(replies));
    return this;
  }

  /** Makes the next PATCHes answer these replies, one each. */
  public LangfuseMediaStandIn failPatch(Reply... replies) {
    patchFaults.addAll(List.of(replies));
    return this;
  }

  /** Answers every PUT after {@code delay}: a slow storage backend. */
  public LangfuseMediaStandIn slowUploads(Duration delay) {
    this.uploadDelay = delay;
    return this;
  }

  /**
   * Answers every PUT once {@code gate} completes: a storage backend that is slow for exactly as long as the test
   * needs, however long the machine takes to get there.
   */
  public LangfuseMediaStandIn holdUploads(Mono<?> gate) {
    this.uploadGate = gate;
    return this;
  }

  private Reply uploadAnswer(Reply reply) {
    Mono<?> gate = uploadGate;
    return gate != null ? reply.until(gate) : reply.after(uploadDelay);
  }

  /** Media of {@code sha256} (base64) already has the id {@code mediaId}, as a record made before ids were derived. */
  public LangfuseMediaStandIn legacyRecord(String sha256, String mediaId) {
    legacyIds.put(sha256, mediaId);
    return this;
  }

  private Reply respond(ReceivedRequest request) {
    String path = request.path();
    String method = request.method();
    try {
      if (path.startsWith(TRACES_PATH)) {
        return Reply.ok();
      }
      if (method.equals("POST") && path.equals("/api/public/media")) {
        return post(request);
      }
      if (method.equals("PUT") && path.startsWith("/upload/")) {
        return put(request);
      }
      if (method.equals("PATCH") && path.startsWith("/api/public/media/")) {
        return patch(request);
      }
    } catch (RuntimeException e) {
      violations.add(method + " " + path + ": " + e);
      return Reply.status(500);
    }
    violations.add("unexpected request " + method + " " + path);
    return Reply.status(404);
  }

  private Reply post(ReceivedRequest request) {
    if (request.header("Authorization") == null || !request.header("Authorization").startsWith("Basic ")) {
      violations.add("POST /api/public/media without Basic authorization");
      return Reply.status(401);
    }
    JsonNode body = parse(request);
    List<String> errors = spec.schemaErrors("GetMediaUploadUrlRequest", body);
    if (!errors.isEmpty()) {
      violations.add("POST /api/public/media body " + body + ": " + errors);
      return Reply.status(400, "{\"message\":\"Invalid request data\"}");
    }
    Reply fault = postFaults.poll();
    if (fault != null) {
      return fault;
    }
    String sha256 = body.get("sha256Hash").textValue();
    String contentType = body.get("contentType").textValue();
    String mediaId = legacyIds.getOrDefault(sha256, mediaId(sha256));
    ObjectNode answer = JSON.createObjectNode().put("mediaId", mediaId);
    Announced previous = announced.get(mediaId);
    if (previous != null && confirmed.getOrDefault(mediaId, false) && previous.contentType().equals(contentType)) {
      answer.putNull("uploadUrl");
    } else {
      announced.put(mediaId, new Announced(sha256, contentType, body.get("contentLength").longValue()));
      answer.put("uploadUrl", baseUrl() + "/upload/" + mediaId + "?X-Amz-Signature=stand-in");
    }
    return Reply.status(201, answer.toString());
  }

  private Reply put(ReceivedRequest request) {
    String mediaId = request.path().substring("/upload/".length(), request.path().indexOf('?'));
    Announced expected = announced.get(mediaId);
    byte[] bytes = request.rawBody();
    String sha256 = sha256(bytes);
    if (request.header("Authorization") != null) {
      violations.add("PUT " + mediaId + " carried an Authorization header");
      return Reply.status(400, "<Error><Code>InvalidArgument</Code></Error>");
    }
    if (expected == null || !sha256.equals(request.header("x-amz-checksum-sha256"))
        || !sha256.equals(expected.sha256()) || bytes.length != expected.contentLength()
        || !expected.contentType().equals(request.header("Content-Type"))) {
      violations.add("PUT " + mediaId + ": bytes, checksum header or content type do not match what was announced");
      return Reply.status(400, "<Error><Code>BadDigest</Code></Error>");
    }
    Reply fault = putFaults.poll();
    if (fault != null) {
      return uploadAnswer(fault);
    }
    puts.computeIfAbsent(mediaId, k -> new AtomicInteger()).incrementAndGet();
    stored.put(mediaId, bytes);
    return uploadAnswer(Reply.status(200, ""));
  }

  private Reply patch(ReceivedRequest request) {
    String mediaId = request.path().substring("/api/public/media/".length());
    JsonNode body = parse(request);
    List<String> errors = spec.schemaErrors("PatchMediaBody", body);
    if (!errors.isEmpty()) {
      violations.add("PATCH " + mediaId + " body " + body + ": " + errors);
      return Reply.status(400, "{\"message\":\"Invalid request data\"}");
    }
    Reply fault = patchFaults.poll();
    if (fault != null) {
      return fault;
    }
    if (body.get("uploadHttpStatus").intValue() == 200) {
      confirmed.put(mediaId, true);
    }
    return Reply.status(204, "");
  }

  private static JsonNode parse(ReceivedRequest request) {
    try {
      return JSON.readTree(request.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base64 SHA-256 of {@code bytes}, as the media API takes it. */
  public static String sha256(byte[] bytes) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The id Langfuse derives for new media: the URL-safe base64 SHA-256, its first 22 characters. */
  public static String mediaId(String sha256) {
    return sha256.replace('+', '-').replace('/', '_').substring(0, 22);
  }

  /** Langfuse's reference to media of {@code bytes}. */
  public static String reference(String contentType, byte[] bytes, String source) {
    return "@@@langfuseMedia:type=" + contentType + "|id=" + mediaId(sha256(bytes)) + "|source=" + source + "@@@";
  }

  /** The bytes stored under {@code mediaId}, or null. */
  public byte @Nullable [] stored(String mediaId) {
    return stored.get(mediaId);
  }

  /** How many times bytes were PUT (successfully) for {@code mediaId}. */
  public int putCount(String mediaId) {
    AtomicInteger count = puts.get(mediaId);
    return count == null ? 0 : count.get();
  }

  /** Whether a PATCH confirmed {@code mediaId} uploaded. */
  public boolean confirmed(String mediaId) {
    return confirmed.getOrDefault(mediaId, false);
  }

  /** Requests that broke the API's rules (spec, checksum, authorization); empty when all were right. */
  public List<String> violations() {
    return List.copyOf(violations);
  }

  /** Every request received, in order. */
  public List<ReceivedRequest> requests() {
    return server.requests();
  }

  /** The requests of one method whose path starts with {@code prefix}. */
  public List<ReceivedRequest> requests(String method, String prefix) {
    List<ReceivedRequest> matching = new ArrayList<>();
    for (ReceivedRequest request : server.requests()) {
      if (request.method().equals(method) && request.path().startsWith(prefix)) {
        matching.add(request);
      }
    }
    return matching;
  }

  /** The bodies of the PATCH requests, parsed. */
  public List<JsonNode> patches() {
    List<JsonNode> bodies = new ArrayList<>();
    for (ReceivedRequest request : requests("PATCH", "/api/public/media/")) {
      bodies.add(parse(request));
    }
    return bodies;
  }

  /** Every span exported so far, strictly parsed. */
  public List<Span> spans() {
    List<Span> spans = new ArrayList<>();
    for (ReceivedRequest request : requests("POST", TRACES_PATH)) {
      spans.addAll(OtlpJson.spans(request.traces()));
    }
    return spans;
  }

  /** The one exported span named {@code name}. */
  public Span span(String name) {
    List<Span> found = new ArrayList<>();
    for (Span span : spans()) {
      if (span.getName().equals(name)) {
        found.add(span);
      }
    }
    if (found.size() != 1) {
      throw new AssertionError("expected one span named " + name + ", got " + found.size());
    }
    return found.get(0);
  }

  /** A string attribute of the one exported span named {@code spanName}, or null; for callers without the proto types. */
  public @Nullable String spanAttribute(String spanName, String key) {
    return attribute(span(spanName), key);
  }

  /** A string attribute of {@code span}, or null. */
  public static @Nullable String attribute(Span span, String key) {
    Object value = OtlpJson.attributes(span).get(key);
    return value == null ? null : value.toString();
  }

  @Override
  public void close() {
    server.close();
  }

  @Override
  public String toString() {
    return "LangfuseMediaStandIn{" + server + '}';
  }
}
