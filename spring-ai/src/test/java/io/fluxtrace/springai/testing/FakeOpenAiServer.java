package io.fluxtrace.springai.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A fake OpenAI-compatible chat completions server on loopback ({@code POST /v1/chat/completions}, and
 * {@code POST /chat/completions}), for tests and
 * samples that run the real Spring AI OpenAI client without an account. Point Spring AI at it with
 * {@code spring.ai.openai.base-url=}{@link #baseUrl()} and any API key.
 *
 * <p>What it answers is decided by the last user message:
 * <ul>
 *   <li>{@code fail:429} or {@code fail:500}: that HTTP status with an OpenAI-style error body;
 *   <li>{@code fail:cut}: a stream that sends two chunks and then closes the connection;
 *   <li>otherwise, when the request offers tools and no tool has answered yet: a call of the first tool with
 *       {@code {"city": <the user message>}};
 *   <li>otherwise: the text {@code Answer: <the user message> (<the last tool result>)} in {@link #TEXT_CHUNKS}
 *       chunks.
 * </ul>
 *
 * <p>A user message that starts with {@link #SLOW} is streamed with a second between chunks (for clients that
 * cancel mid-stream).
 *
 * <p>{@code POST /v1/embeddings} (and {@code /embeddings}) answers each input with a deterministic
 * {@link #EMBEDDING_DIMENSIONS}-dimensional unit vector (letter counts folded into the dimensions, so texts that
 * share letters are similar), as floats or as base64 when asked, with {@code prompt_tokens} = {@code total_tokens} =
 * the number of whitespace-separated words of all inputs ({@link #embeddingTokens}).
 *
 * <p>Streams wait {@link #firstChunkDelay()} before the first chunk and {@link #chunkInterval()} between chunks,
 * and send usage in a last chunk with no choices when asked ({@code stream_options.include_usage}). Usage is fixed
 * per kind of answer ({@link #TOOL_CALL_USAGE}, {@link #TEXT_USAGE}), so tests know what was sent. The model
 * returned is the model requested with {@link #MODEL_SUFFIX}.
 *
 * <p>Run it alone with {@code main} (port from the first argument, default 0), for a sample app.
 */
public final class FakeOpenAiServer implements AutoCloseable {

  /** Usage of an answer that calls a tool: prompt, completion, total tokens. */
  public static final int[] TOOL_CALL_USAGE = {100, 20, 120};
  /** Usage of a text answer: prompt, completion, total tokens. */
  public static final int[] TEXT_USAGE = {200, 30, 230};
  /** How many chunks a streamed text answer has. */
  public static final int TEXT_CHUNKS = 4;
  /** A user message with this prefix is streamed slowly: a second between chunks. */
  public static final String SLOW = "a long answer";
  /** The size of the fake's embedding vectors. */
  public static final int EMBEDDING_DIMENSIONS = 8;
  /** Appended to the requested model in every answer: the model "returned". */
  public static final String MODEL_SUFFIX = "-2026-01-01";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Duration firstChunkDelay;
  private final Duration chunkInterval;
  private final DisposableServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger embeddingRequests = new AtomicInteger();
  private final AtomicInteger openStreams = new AtomicInteger();

  private FakeOpenAiServer(Duration firstChunkDelay, Duration chunkInterval, int port) {
    this.firstChunkDelay = firstChunkDelay;
    this.chunkInterval = chunkInterval;
    this.server = HttpServer.create()
        .host("127.0.0.1")
        .port(port)
        // Spring AI 1.1's client appends /v1/chat/completions to its base URL; 2.0's (the OpenAI Java SDK)
        // appends /chat/completions to a base URL that ends with /v1 unless told otherwise: both are served.
        .route(routes -> routes
            .post("/v1/chat/completions", (request, response) -> request.receive().aggregate().asString()
                .flatMap(body -> answer(body, response).then()))
            .post("/chat/completions", (request, response) -> request.receive().aggregate().asString()
                .flatMap(body -> answer(body, response).then()))
            .post("/v1/embeddings", (request, response) -> request.receive().aggregate().asString()
                .flatMap(body -> embeddings(body, response).then()))
            .post("/embeddings", (request, response) -> request.receive().aggregate().asString()
                .flatMap(body -> embeddings(body, response).then())))
        .bindNow();
  }

  /** A server on a random loopback port. */
  public static FakeOpenAiServer start(Duration firstChunkDelay, Duration chunkInterval) {
    return new FakeOpenAiServer(firstChunkDelay, chunkInterval, 0);
  }

  /** Runs the server until the JVM is stopped; prints its base URL. */
  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    try (FakeOpenAiServer server = new FakeOpenAiServer(Duration.ofMillis(300), Duration.ofMillis(50), port)) {
      System.out.println("Fake OpenAI-compatible server: spring.ai.openai.base-url=" + server.baseUrl());
      new CountDownLatch(1).await();
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  public Duration firstChunkDelay() {
    return firstChunkDelay;
  }

  public Duration chunkInterval() {
    return chunkInterval;
  }

  /** Chat completion requests received so far. */
  public int requests() {
    return requests.get();
  }

  /** Embedding requests received so far. */
  public int embeddingRequests() {
    return embeddingRequests.get();
  }

  /** The tokens the fake reports for embedding {@code inputs}: their whitespace-separated words. */
  public static int embeddingTokens(List<String> inputs) {
    int words = 0;
    for (String input : inputs) {
      String t = input.strip();
      words += t.isEmpty() ? 0 : t.split("\\s+").length;
    }
    return words;
  }

  /** The fake's vector of {@code text}. */
  public static float[] vector(String text) {
    float[] v = new float[EMBEDDING_DIMENSIONS];
    for (char c : text.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
      if (Character.isLetterOrDigit(c)) {
        v[c % EMBEDDING_DIMENSIONS] += 1;
      }
    }
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    if (norm == 0) {
      v[0] = 1;
      return v;
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] / Math.sqrt(norm));
    }
    return v;
  }

  private Mono<Void> embeddings(String body, HttpServerResponse response) {
    embeddingRequests.incrementAndGet();
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (Exception e) {
      return response.status(400).sendString(Mono.just("{\"error\":{\"message\":\"bad json\"}}")).then();
    }
    List<String> inputs = new ArrayList<>();
    JsonNode input = request.path("input");
    if (input.isArray()) {
      input.forEach(i -> inputs.add(i.asText()));
    } else {
      inputs.add(input.asText());
    }
    boolean base64 = "base64".equals(request.path("encoding_format").asText());
    ObjectNode answer = JSON.createObjectNode();
    answer.put("object", "list");
    ArrayNode data = answer.putArray("data");
    for (int i = 0; i < inputs.size(); i++) {
      ObjectNode item = data.addObject();
      item.put("object", "embedding");
      item.put("index", i);
      float[] v = vector(inputs.get(i));
      if (base64) {
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
          bytes.putFloat(x);
        }
        item.put("embedding", java.util.Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float x : v) {
          values.add(x);
        }
      }
    }
    answer.put("model", request.path("model").asText("fake-embedding") + MODEL_SUFFIX);
    int tokens = embeddingTokens(inputs);
    answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    return response.header("content-type", "application/json").sendString(Mono.just(answer.toString())).then();
  }

  /** Streams still being sent (a client that went away ends its stream). */
  public int openStreams() {
    return openStreams.get();
  }

  private Mono<Void> answer(String body, HttpServerResponse response) {
    requests.incrementAndGet();
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (Exception e) {
      return response.status(400).sendString(Mono.just("{\"error\":{\"message\":\"bad json\"}}")).then();
    }
    String model = request.path("model").asText("fake-model") + MODEL_SUFFIX;
    boolean stream = request.path("stream").asBoolean(false);
    boolean usage = request.path("stream_options").path("include_usage").asBoolean(false);
    String user = "";
    String toolResult = null;
    for (JsonNode message : request.path("messages")) {
      String role = message.path("role").asText();
      if (role.equals("user")) {
        JsonNode content = message.path("content");
        user = content.isTextual() ? content.asText() : content.path(0).path("text").asText();
      } else if (role.equals("tool")) {
        toolResult = message.path("content").asText();
      }
    }
    if (user.equals("fail:429") || user.equals("fail:500")) {
      int status = user.equals("fail:429") ? 429 : 500;
      String message = status == 429 ? "Rate limit reached for " + model : "The server had an error processing your request";
      return response.status(status)
          .header("content-type", "application/json")
          .sendString(Mono.just("{\"error\":{\"message\":\"" + message + "\",\"type\":\"fake_error\",\"code\":\""
              + status + "\"}}"))
          .then();
    }
    JsonNode tools = request.path("tools");
    boolean callTool = tools.isArray() && tools.size() > 0 && toolResult == null;
    String toolName = callTool ? tools.get(0).path("function").path("name").asText() : null;
    List<ObjectNode> chunks = new ArrayList<>();
    int[] used;
    if (callTool) {
      used = TOOL_CALL_USAGE;
      String arguments = JSON.createObjectNode().put("city", user).toString();
      int half = arguments.length() / 2;
      chunks.add(toolCallChunk(model, "call_" + Math.abs(user.hashCode()), toolName, arguments.substring(0, half)));
      chunks.add(toolCallChunk(model, null, null, arguments.substring(half)));
      chunks.add(finishChunk(model, "tool_calls"));
    } else {
      used = TEXT_USAGE;
      String text = "Answer: " + user + (toolResult == null ? "" : " (" + toolResult + ")");
      for (String piece : split(text, TEXT_CHUNKS)) {
        chunks.add(textChunk(model, piece));
      }
      chunks.add(finishChunk(model, "stop"));
    }
    if (!stream) {
      return response.header("content-type", "application/json")
          .sendString(Mono.just(completion(model, chunks, used).toString()))
          .then();
    }
    if (usage) {
      ObjectNode last = chunk(model);
      last.set("usage", usage(used));
      chunks.add(last);
    }
    boolean cut = user.equals("fail:cut");
    Duration interval = user.startsWith(SLOW) ? Duration.ofSeconds(1) : chunkInterval;
    Flux<String> events = Flux.fromIterable(cut ? chunks.subList(0, 2) : chunks)
        .map(c -> "data: " + c + "\n\n")
        .concatWith(cut ? Flux.error(new IllegalStateException("fake: stream cut")) : Flux.just("data: [DONE]\n\n"))
        .index()
        .concatMap(indexed -> Mono.just(indexed.getT2())
            .delayElement(indexed.getT1() == 0 ? firstChunkDelay : interval));
    return response.header("content-type", "text/event-stream")
        .send(events
            .map(s -> Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8)))
            .doOnSubscribe(s -> openStreams.incrementAndGet())
            .doFinally(s -> openStreams.decrementAndGet()), b -> true)
        .then();
  }

  private static List<String> split(String text, int parts) {
    List<String> out = new ArrayList<>();
    int size = (text.length() + parts - 1) / parts;
    for (int i = 0; i < text.length(); i += size) {
      out.add(text.substring(i, Math.min(text.length(), i + size)));
    }
    return out;
  }

  private static ObjectNode chunk(String model) {
    ObjectNode chunk = JSON.createObjectNode();
    chunk.put("id", "chatcmpl-fake");
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", 1_767_225_600L);
    chunk.put("model", model);
    chunk.putArray("choices");
    return chunk;
  }

  private static ObjectNode textChunk(String model, String text) {
    ObjectNode chunk = chunk(model);
    ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
    choice.put("index", 0);
    choice.putObject("delta").put("role", "assistant").put("content", text);
    choice.putNull("finish_reason");
    return chunk;
  }

  private static ObjectNode toolCallChunk(String model, String id, String name, String arguments) {
    ObjectNode chunk = chunk(model);
    ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
    choice.put("index", 0);
    ObjectNode delta = choice.putObject("delta");
    delta.put("role", "assistant");
    ObjectNode call = delta.putArray("tool_calls").addObject();
    call.put("index", 0);
    if (id != null) {
      call.put("id", id);
      call.put("type", "function");
    }
    ObjectNode function = call.putObject("function");
    if (name != null) {
      function.put("name", name);
    }
    function.put("arguments", arguments);
    choice.putNull("finish_reason");
    return chunk;
  }

  private static ObjectNode finishChunk(String model, String reason) {
    ObjectNode chunk = chunk(model);
    ObjectNode choice = ((ArrayNode) chunk.get("choices")).addObject();
    choice.put("index", 0);
    choice.putObject("delta");
    choice.put("finish_reason", reason);
    return chunk;
  }

  private static ObjectNode usage(int[] used) {
    ObjectNode usage = JSON.createObjectNode();
    usage.put("prompt_tokens", used[0]);
    usage.put("completion_tokens", used[1]);
    usage.put("total_tokens", used[2]);
    return usage;
  }

  /** The same answer as one chat completion (stream=false). */
  private static ObjectNode completion(String model, List<ObjectNode> chunks, int[] used) {
    StringBuilder text = new StringBuilder();
    ArrayNode toolCalls = JSON.createArrayNode();
    String reason = "stop";
    for (ObjectNode chunk : chunks) {
      for (JsonNode choice : chunk.path("choices")) {
        JsonNode delta = choice.path("delta");
        if (delta.hasNonNull("content")) {
          text.append(delta.get("content").asText());
        }
        for (JsonNode call : delta.path("tool_calls")) {
          if (call.has("id")) {
            toolCalls.add(call.deepCopy());
          } else {
            ObjectNode function = (ObjectNode) toolCalls.get(toolCalls.size() - 1).get("function");
            function.put("arguments", function.get("arguments").asText() + call.path("function").path("arguments").asText());
          }
        }
        if (choice.hasNonNull("finish_reason")) {
          reason = choice.get("finish_reason").asText();
        }
      }
    }
    ObjectNode completion = JSON.createObjectNode();
    completion.put("id", "chatcmpl-fake");
    completion.put("object", "chat.completion");
    completion.put("created", 1_767_225_600L);
    completion.put("model", model);
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    if (toolCalls.isEmpty()) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
      toolCalls.forEach(c -> ((ObjectNode) c).remove("index"));
      message.set("tool_calls", toolCalls);
    }
    choice.put("finish_reason", reason);
    completion.set("usage", usage(used));
    return completion;
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
  }
}
