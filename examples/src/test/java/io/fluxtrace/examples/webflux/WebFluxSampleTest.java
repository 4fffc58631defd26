package io.fluxtrace.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fluxtrace.examples.backend.Backend;
import io.fluxtrace.examples.backend.LiveTraces;
import io.fluxtrace.examples.backend.ReceivedSpan;
import io.fluxtrace.examples.rag.FakeChatModel;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.Traceparent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The WebFlux sample on a random port, exporting over OTLP/HTTP to the in-process receiver as its main does without
 * Langfuse keys; requests are made with WebClient, the way curl makes them in the README.
 */
@Timeout(120)
class WebFluxSampleTest {

  private static final String CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String ANSWER =
      "fluxtrace traces Project Reactor pipelines and exports them to Langfuse over OTLP/HTTP.";
  private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENT =
      new ParameterizedTypeReference<>() {};

  private static final Duration GRACE = Duration.ofMillis(200);

  private final Queue<ReceivedSpan> received = new ConcurrentLinkedQueue<>();
  private final Queue<String> rendered = new ConcurrentLinkedQueue<>();
  // Virtual time: the test says when the grace period is over (after every span has arrived), not the machine's load.
  private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();
  private final LiveTraces live = new LiveTraces(GRACE, LiveTraces.DEFAULT_MAX_WAIT, timer, rendered::add);
  private final Backend backend = Backend.fromEnvironment(Map.of(), "webflux-sample-test", batch -> {
    received.addAll(batch);
    live.accept(batch);
  });
  private final ChatServer server = ChatServer.start(ReactorTracing.create(backend.tracer()), "127.0.0.1", 0);
  private final WebClient client = WebClient.create("http://127.0.0.1:" + server.port());

  @AfterEach
  void stop() {
    server.close();
    backend.close();
    live.dispose();
    timer.dispose();
  }

  @Test
  void streamsTheAnswerAsServerSentEventsInTheCallersTrace() {
    ResponseEntity<List<String>> response = ask("What is fluxtrace?", Map.of(
        "x-user-id", "alice", "x-session-id", "chat-1", Traceparent.HEADER, CALLER));

    assertThat(response.getHeaders().getContentType()).isNotNull()
        .satisfies(type -> assertThat(type.isCompatibleWith(MediaType.TEXT_EVENT_STREAM)).isTrue());
    assertThat(response.getHeaders().getFirst(ChatHandler.TRACE_ID_HEADER)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    List<String> chunks = Objects.requireNonNull(response.getBody());
    assertThat(chunks).hasSize(ANSWER.split(" ").length).startsWith("fluxtrace ", "traces ");
    assertThat(String.join("", chunks)).isEqualTo(ANSWER);

    List<ReceivedSpan> spans = flushedSpans();
    assertThat(spans).hasSize(4).allSatisfy(span -> {
      assertThat(span.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(span.userId()).isEqualTo("alice");
      assertThat(span.sessionId()).isEqualTo("chat-1");
    });
    ReceivedSpan chat = named(spans, "chat");
    assertThat(chat.type()).isEqualTo("chain");
    assertThat(chat.parentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(chat.isAppRoot()).isTrue();
    assertThat(chat.text("langfuse.observation.output")).isEqualTo("\"" + ANSWER + "\"");
    ReceivedSpan generate = named(spans, "generate");
    assertThat(generate.type()).isEqualTo("generation");
    assertThat(generate.parentSpanId()).isEqualTo(chat.spanId());
    assertThat(generate.text("langfuse.observation.model.name")).isEqualTo(FakeChatModel.MODEL);
    assertThat(generate.text("langfuse.observation.usage_details")).startsWith("{\"input\":");
    assertThat(generate.text("langfuse.observation.cost_details")).contains("\"total\":");
    assertThat(generate.text("langfuse.observation.completion_start_time")).isNotNull();
    assertThat(named(spans, "retrieve").type()).isEqualTo("retriever");
    assertThat(named(spans, "rerank").type()).isEqualTo("tool");

    timer.advanceTimeBy(GRACE);
    await().atMost(Duration.ofSeconds(10)).until(() -> !rendered.isEmpty());
    assertThat(rendered).singleElement().asString()
        .startsWith("trace 4bf92f3577b34da6a3ce929d0e0e4736  user alice  session chat-1\n")
        .contains("  chain chat  ", "  |-- retriever retrieve  ", "  `-- generation generate  ");
  }

  @Test
  void concurrentStreamsEachGetTheirOwnTrace() {
    int requests = 24;
    List<ResponseEntity<List<String>>> responses = Flux.range(0, requests)
        .flatMap(i -> Mono.fromSupplier(() -> Map.of("x-user-id", "user-" + i))
            .flatMap(headers -> askAsync(i % 5 == 3 ? "What is the capital of France?" : "What is fluxtrace?",
                headers)), requests)
        .collectList()
        .block(Duration.ofSeconds(60));

    Map<String, List<ReceivedSpan>> byTrace = flushedSpans().stream()
        .collect(Collectors.groupingBy(ReceivedSpan::traceId));
    assertThat(byTrace).hasSize(requests);
    assertThat(Objects.requireNonNull(responses)).hasSize(requests).allSatisfy(response -> {
      String traceId = response.getHeaders().getFirst(ChatHandler.TRACE_ID_HEADER);
      List<ReceivedSpan> trace = byTrace.get(traceId);
      assertThat(trace).as("trace %s", traceId).isNotNull();
      String user = Objects.requireNonNull(trace).get(0).userId();
      assertThat(trace).allSatisfy(span -> assertThat(span.userId()).isEqualTo(user));
      assertThat(trace).extracting(ReceivedSpan::name).contains("chat", "retrieve", "rerank", "generate");
    });
    assertThat(byTrace.values().stream().map(trace -> trace.get(0).userId()).distinct()).hasSize(requests);
  }

  @Test
  void aRequestWithoutAQuestionIsRefused() {
    ResponseEntity<String> response = client.post().uri("/chat")
        .exchangeToMono(r -> r.toEntity(String.class))
        .block(Duration.ofSeconds(30));

    assertThat(Objects.requireNonNull(response).getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(response.getBody()).isEqualTo("Ask a question in the body.\n");
  }

  /** POSTs the question as curl --data does (a form content type), and reads the events' data. */
  private ResponseEntity<List<String>> ask(String question, Map<String, String> headers) {
    return Objects.requireNonNull(askAsync(question, headers).block(Duration.ofSeconds(30)));
  }

  private Mono<ResponseEntity<List<String>>> askAsync(String question, Map<String, String> headers) {
    return client.post().uri("/chat")
        .headers(h -> headers.forEach(h::set))
        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
        .bodyValue(question)
        .retrieve()
        .toEntityFlux(EVENT)
        .flatMap(entity -> Objects.requireNonNull(entity.getBody())
            .map(event -> Objects.requireNonNull(event.data()))
            .collectList()
            .map(data -> ResponseEntity.status(entity.getStatusCode()).headers(entity.getHeaders()).body(data)));
  }

  private List<ReceivedSpan> flushedSpans() {
    assertThat(backend.tracer().flushBlocking(Duration.ofSeconds(30)).isClean()).as("flush clean").isTrue();
    return List.copyOf(received);
  }

  private static ReceivedSpan named(List<ReceivedSpan> spans, String name) {
    return spans.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }
}
