package io.fluxtrace.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.TraceIds;
import io.fluxtrace.spring.boot.webapp.TracedChatApp;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * A real Spring Boot WebFlux application on a random port with the starter, Actuator and Micrometer Tracing (the
 * OpenTelemetry bridge), configured by properties only. 500 concurrent requests, half of them with a caller's
 * {@code traceparent}: each request yields exactly its own trace (every span's trace, parent, user and session),
 * the Langfuse trace id equals the request's server span trace id, and the handler's log line carries it in the MDC.
 */
@SpringBootTest(classes = TracedChatApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "fluxtrace.public-key=" + WebFluxAppTest.PK,
        "fluxtrace.secret-key=" + WebFluxAppTest.SK,
        "fluxtrace.flush-interval=100ms",
        "management.tracing.sampling.probability=1.0",
        // @SpringBootTest turns tracing off unless asked (Boot 3.5; the property is harmless on 4).
        "spring.test.observability.auto-configure=true",
        "spring.reactor.context-propagation=auto",
        "management.endpoints.web.exposure.include=health,info,env,metrics",
        "management.endpoint.health.show-details=always",
        "management.endpoint.env.show-values=always",
        "management.info.env.enabled=true"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class WebFluxAppTest {

  static final String PK = "pk-lf-webapp-1234";
  static final String SK = "sk-lf-webapp-never-shown-5678";
  private static final int REQUESTS = 500;
  private static final OtlpReceiver receiver = OtlpReceiver.start();

  @DynamicPropertySource
  static void langfuse(DynamicPropertyRegistry registry) {
    registry.add("fluxtrace.base-url", receiver::baseUrl);
  }

  @LocalServerPort
  int port;

  @Autowired
  FluxTracer tracer;

  private final ListAppender<ILoggingEvent> handlerLog = new ListAppender<>();

  @BeforeAll
  void captureTheHandlersLog() {
    handlerLog.start();
    ((Logger) LoggerFactory.getLogger(TracedChatApp.LOGGER)).addAppender(handlerLog);
  }

  @AfterAll
  void stop() {
    ((Logger) LoggerFactory.getLogger(TracedChatApp.LOGGER)).detachAppender(handlerLog);
    receiver.close();
  }

  record Call(int n, String user, String session, String callerTraceId, String callerSpanId, String langfuseTraceId) {}

  @Test
  @Timeout(180)
  void everyRequestGetsExactlyItsOwnTraceJoinedToTheServerSpan(CapturedOutput output) {
    ConnectionProvider pool = ConnectionProvider.builder("starter-test").maxConnections(128)
        .pendingAcquireMaxCount(-1).pendingAcquireTimeout(Duration.ofSeconds(120)).build();
    WebClient client = WebClient.builder()
        .clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool)))
        .baseUrl("http://127.0.0.1:" + port)
        .build();
    try {
      List<Call> calls = Objects.requireNonNull(Flux.range(0, REQUESTS)
          .flatMap(n -> call(client, n), REQUESTS)
          .collectList()
          .block(Duration.ofSeconds(150)));
      assertThat(calls).hasSize(REQUESTS);
      assertThat(tracer.flushBlocking(Duration.ofSeconds(60)).completed()).isTrue();

      Map<String, List<Span>> byTrace = receiver.requests().stream()
          .flatMap(r -> OtlpJson.spans(r.traces()).stream())
          .collect(Collectors.groupingBy(OtlpJson::traceId));
      assertThat(byTrace).hasSize(REQUESTS);
      assertThat(byTrace.values().stream().mapToInt(List::size).sum()).isEqualTo(3 * REQUESTS);

      Map<String, ILoggingEvent> logByQuestion = new HashMap<>();
      for (ILoggingEvent event : handlerLog.list) {
        logByQuestion.put(String.valueOf(event.getArgumentArray()[0]), event);
      }
      for (Call call : calls) {
        assertThat(logByQuestion).as("the handler's log line of request %s", call.n()).containsKey("q" + call.n());
        ILoggingEvent line = Objects.requireNonNull(logByQuestion.get("q" + call.n()));
        Map<String, String> mdc = line.getMDCPropertyMap();
        // The Langfuse trace id is the id in the log's MDC: the application's own trace.
        assertThat(call.langfuseTraceId()).isEqualTo(mdc.get("traceId"));
        if (!call.callerTraceId().isEmpty()) {
          assertThat(call.langfuseTraceId()).isEqualTo(call.callerTraceId());
        }
        assertThat(byTrace).containsKey(call.langfuseTraceId());
        List<Span> spans = Objects.requireNonNull(byTrace.get(call.langfuseTraceId()));
        assertThat(spans).extracting(Span::getName).containsExactlyInAnyOrder("chat", "search", "answer");
        Span root = spans.stream().filter(s -> s.getName().equals("chat")).findFirst().orElseThrow();
        // The root is a child of the server span (the MDC's span), not of the caller's span.
        assertThat(OtlpJson.parentSpanId(root)).isEqualTo(mdc.get("spanId")).isNotEqualTo(call.callerSpanId());
        assertThat(OtlpJson.attributes(root)).containsEntry("langfuse.internal.is_app_root", true);
        for (Span span : spans) {
          Map<String, Object> attributes = OtlpJson.attributes(span);
          assertThat(attributes).containsEntry("langfuse.user.id", call.user())
              .containsEntry("langfuse.session.id", call.session());
          if (span != root) {
            assertThat(OtlpJson.parentSpanId(span)).isEqualTo(OtlpJson.spanId(root));
          }
        }
      }
      assertThat(output.getAll()).doesNotContain(SK);
    } finally {
      pool.dispose();
    }
  }

  private Mono<Call> call(WebClient client, int n) {
    String user = "user-" + n;
    String session = "session-" + (n % 50);
    boolean withCaller = n % 2 == 0;
    String callerTrace = withCaller ? TraceIds.newTraceId() : "";
    String callerSpan = withCaller ? TraceIds.newSpanId() : "";
    return client.get().uri("/chat?q=q" + n)
        .headers(h -> {
          h.set("x-user-id", user);
          h.set("x-session-id", session);
          if (withCaller) {
            h.set("traceparent", "00-" + callerTrace + "-" + callerSpan + "-01");
          }
        })
        .retrieve()
        .bodyToMono(String.class)
        .map(traceId -> new Call(n, user, session, callerTrace, callerSpan, traceId));
  }

  @Test
  void actuatorShowsHealthInfoAndMetricsWithoutSecrets(CapturedOutput output) {
    WebClient client = WebClient.create("http://127.0.0.1:" + port);
    String health = get(client, "/actuator/health/fluxtrace");
    assertThat(health).contains("\"status\":\"UP\"").contains("\"enabled\":true").contains("127.0.0.1");
    String info = get(client, "/actuator/info");
    assertThat(info).contains("\"fluxtrace\"").contains("\"version\"").contains("\"sampleRate\":1.0")
        .contains("\"endpoint\":\"127.0.0.1\"").doesNotContain(SK).doesNotContain(PK);
    String env = get(client, "/actuator/env");
    assertThat(env).contains("fluxtrace.secret-key").doesNotContain(SK);
    String configprops = get(client, "/actuator/env/fluxtrace.secret-key");
    assertThat(configprops).doesNotContain(SK);
    String metrics = get(client, "/actuator/metrics");
    assertThat(metrics).contains("fluxtrace.spans.exported", "fluxtrace.spans.failed", "fluxtrace.scores.recorded");
    assertThat(get(client, "/actuator/metrics/fluxtrace.spans.failed?tag=reason:unauthorized"))
        .contains("\"value\":0.0");
    assertThat(output.getAll()).doesNotContain(SK);
  }

  private static String get(WebClient client, String path) {
    return String.valueOf(client.get().uri(path).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(30)));
  }
}
