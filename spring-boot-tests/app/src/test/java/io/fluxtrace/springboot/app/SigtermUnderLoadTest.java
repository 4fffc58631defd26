package io.fluxtrace.springboot.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.testing.ChildProcess;
import io.fluxtrace.testing.LangfuseIngestion;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The chat service in its own JVM, on this module's Spring Boot line, gets SIGTERM while {@value #REQUESTS} SSE
 * requests are in flight (plus {@value #CUT_OFF_REQUESTS} that outlast the graceful-shutdown phase and are cut off).
 * The app runs gated: every request waits at the model until the test opens the gate, then streams for about 2.5 s,
 * and SIGTERM follows at once, so that all requests are in flight however long it took to start them.
 * Spring Boot's graceful shutdown lets the requests finish; every request whose client saw the final event must have
 * its whole trace (4 spans) delivered exactly once to the loopback receiver, which outlives the app; spans of the
 * cut-off requests must be delivered or reported lost in the app's log. Run for the README's set-up (the tracer's
 * own JVM hook), for a tracer closed by Spring, and for the Spring Boot starter with properties only. The figures of each run are printed ({@code SIGTERM-FIGURES}).
 */
@Timeout(300)
class SigtermUnderLoadTest {

  static final int REQUESTS = 200;
  static final int CUT_OFF_REQUESTS = 5;
  /** The spans of one request: the root step, the retrieval, the tool call and the streaming generation. */
  static final List<String> SPAN_NAMES = List.of("answer", "chat", "search", "weather");

  private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE =
      new ParameterizedTypeReference<>() {};
  private static final Pattern PORT = Pattern.compile("CHAT-APP READY port=(\\d+)");
  private static final Pattern BLOCKHOUND_REPORT =
      Pattern.compile(BlockHoundChatApplication.REPORT + "[^\n]*(\n\tat [^\n]*)*");
  private static final Pattern STARTED_IN = Pattern.compile("Started ChatApplication in ([0-9.]+) seconds");
  private static final Pattern LOSS_WARNING = Pattern.compile(
      "(?i).*WARN.*fluxtrace.*(dropped|lost|undelivered|not delivered).*");

  /** How the app sets up its tracer (the {@code chat.tracer} property). */
  enum SetUp {
    /** The README's set-up: {@code FluxTracer.builder().build()}, closed by its own JVM shutdown hook. */
    README_HOOK("readme"),
    /** {@code shutdownHook(false)} and {@code @Bean(destroyMethod = "close")}: closed by Spring. */
    SPRING_CLOSES("spring"),
    /** No tracer code: fluxtrace's Spring Boot starter, configured by properties. */
    STARTER("starter", "--spring.autoconfigure.exclude=");

    final String property;
    final List<String> args;

    SetUp(String property, String... args) {
      this.property = property;
      this.args = List.of(args);
    }
  }

  @ParameterizedTest
  @EnumSource(SetUp.class)
  void everyAnsweredRequestHasItsWholeTraceExactlyOnce(SetUp setUp, @TempDir Path logs) throws Exception {
    try (OtlpReceiver receiver = OtlpReceiver.start()) {
      receiver.respondWith(request -> request.path().startsWith(LangfuseIngestion.PATH)
          ? LangfuseIngestion.allSucceeded(request) : Reply.ok());
      Map<String, String> environment = Map.of(
          "LANGFUSE_PUBLIC_KEY", "pk-lf-sigterm-test",
          "LANGFUSE_SECRET_KEY", "sk-lf-sigterm-test",
          "LANGFUSE_BASE_URL", receiver.baseUrl());
      List<String> jvmOptions = List.of("-Xmx512m",
          "-XX:+AllowRedefinitionToAddDeleteMethods", "-XX:+EnableDynamicAgentLoading");
      List<String> args = new ArrayList<>(List.of("--chat.tracer=" + setUp.property, "--chat.gated=true"));
      args.addAll(setUp.args);
      if (setUp == SetUp.STARTER) {
        // The starter's three properties, as its README section sets them up.
        args.addAll(List.of("--fluxtrace.public-key=" + environment.get("LANGFUSE_PUBLIC_KEY"),
            "--fluxtrace.secret-key=" + environment.get("LANGFUSE_SECRET_KEY"),
            "--fluxtrace.base-url=" + receiver.baseUrl()));
      }

      try (ChildProcess app = ChildProcess.java(BlockHoundChatApplication.class, jvmOptions, args, environment, logs)) {
        app.awaitOutput(out -> out.contains("CHAT-APP READY"), Duration.ofSeconds(120));
        String ready = line(app.output(), "CHAT-APP READY");
        assertThat(ready).as(app.describe()).contains("tracer=" + setUp.property, "tracing=true");
        assertThat(app.output()).as("BlockHound watches the app's JVM")
            .contains(BlockHoundChatApplication.INSTALLED + " selfTestCaught=true");
        Matcher port = PORT.matcher(ready);
        assertThat(port.find()).as(ready).isTrue();

        Run run = load(app, Integer.parseInt(port.group(1)));
        Figures figures = figures(setUp, ready, run, app, receiver.requests());
        System.out.println("SIGTERM-FIGURES " + figures);
        figures.blockHoundReports().forEach(System.out::println);
        figures.assertCorrect(app);
      }
    }
  }

  /** Starts every request, sends SIGTERM once all are in flight, and waits for the JVM and every request to end. */
  private static Run load(ChildProcess app, int port) throws Exception {
    int total = REQUESTS + CUT_OFF_REQUESTS;
    ConnectionProvider connections = ConnectionProvider.builder("sigterm-test-clients")
        .maxConnections(total + 1) // one more for POST /gate
        .pendingAcquireMaxCount(-1)
        .build();
    try {
      WebClient client = WebClient.builder()
          .baseUrl("http://127.0.0.1:" + port)
          .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
          .build();
      List<Call> calls = IntStream.range(0, total).mapToObj(i -> new Call(i, i >= REQUESTS)).toList();
      CountDownLatch started = new CountDownLatch(total);
      long loadStart = System.nanoTime();
      CompletableFuture<Void> ended = Flux.fromIterable(calls)
          .flatMap(call -> call.run(client, started), total)
          .then()
          .toFuture();

      boolean allStarted = started.await(120, TimeUnit.SECONDS);
      assertThat(allStarted).as("every request got its first event; failures: %s; %s",
          calls.stream().filter(c -> c.error != null).map(c -> c.error).limit(3).toList(), app.describe()).isTrue();
      Duration startSpread = Duration.ofNanos(System.nanoTime() - loadStart);
      // Every request waits at the model: let them all stream, then SIGTERM while they do (each streams for
      // chunks x pace = 16 x 150 ms from now).
      client.post().uri("/gate").retrieve().toBodilessEntity().block(Duration.ofSeconds(30));
      long sent = System.nanoTime();
      long answeredBeforeSigterm = calls.stream().filter(c -> c.answered).count();
      app.terminate();
      boolean exited = app.waitFor(Duration.ofSeconds(120));
      Duration exitTime = Duration.ofNanos(System.nanoTime() - sent);
      assertThat(exited).as("the app exited within 120 s of SIGTERM: %s", app.describe()).isTrue();
      // Every request ends once the app is gone: answered, or cut off with an error.
      ended.get(60, TimeUnit.SECONDS);
      return new Run(calls, startSpread, answeredBeforeSigterm, exitTime, app.exitCode());
    } finally {
      connections.disposeLater().block(Duration.ofSeconds(10));
    }
  }

  private static Figures figures(SetUp setUp, String ready, Run run, ChildProcess app,
      List<ReceivedRequest> received) {
    List<Span> spans = new ArrayList<>();
    List<JsonNode> scores = new ArrayList<>();
    for (ReceivedRequest request : received) {
      if (request.path().startsWith(FluxTracerBuilder.LANGFUSE_OTLP_PATH)) {
        spans.addAll(OtlpJson.spans(request.traces()));
      } else if (request.path().startsWith(LangfuseIngestion.PATH)) {
        LangfuseIngestion.events(request).forEach(event -> scores.add(event.path("body")));
      }
    }
    Map<String, List<Span>> spansByTrace = spans.stream().collect(Collectors.groupingBy(OtlpJson::traceId));
    Map<String, Long> copiesBySpanId = spans.stream()
        .collect(Collectors.groupingBy(span -> OtlpJson.traceId(span) + "/" + OtlpJson.spanId(span),
            Collectors.counting()));
    long duplicateSpans = copiesBySpanId.values().stream().mapToLong(n -> n - 1).sum();
    Map<String, Long> scoresByTrace = scores.stream()
        .collect(Collectors.groupingBy(score -> score.path("traceId").asText(), Collectors.counting()));
    long duplicateScores = scores.stream()
        .collect(Collectors.groupingBy(score -> score.path("id").asText(), Collectors.counting()))
        .values().stream().mapToLong(n -> n - 1).sum();

    List<String> notWhole = new ArrayList<>();
    List<String> scoresNotOnce = new ArrayList<>();
    int answered = 0;
    int whole = 0;
    int cutOff = 0;
    int cutOffSpansMissing = 0;
    Map<String, Integer> cutOffSpans = new TreeMap<>();
    for (Call call : run.calls) {
      List<Span> trace = spansByTrace.getOrDefault(call.traceId, List.of());
      if (call.answered) {
        answered++;
        String problem = problem(call, trace);
        if (problem == null) {
          whole++;
        } else {
          notWhole.add("request " + call.index + " trace " + call.traceId + ": " + problem);
        }
        long scoreCopies = scoresByTrace.getOrDefault(call.traceId, 0L);
        if (scoreCopies != 1) {
          scoresNotOnce.add("request " + call.index + " trace " + call.traceId + ": " + scoreCopies + " scores");
        }
      } else {
        cutOff++;
        long distinctDelivered = trace.stream().map(OtlpJson::spanId).distinct().count();
        cutOffSpansMissing += (int) Math.max(0, SPAN_NAMES.size() - distinctDelivered);
        for (Span span : trace) {
          Object level = OtlpJson.attributes(span).get("langfuse.observation.level");
          cutOffSpans.merge(span.getName() + ":" + (level == null ? "DEFAULT" : level) + ":"
              + (span.getStatus().getMessage().isEmpty() ? "-" : span.getStatus().getMessage()), 1, Integer::sum);
        }
      }
    }
    String output = app.output() + "\n" + app.errorOutput();
    List<String> blockHoundReports = new ArrayList<>();
    Matcher report = BLOCKHOUND_REPORT.matcher(app.errorOutput());
    while (report.find()) {
      blockHoundReports.add(report.group());
    }
    List<String> lossWarnings = output.lines().filter(l -> LOSS_WARNING.matcher(l).matches()).toList();
    Matcher startedIn = STARTED_IN.matcher(app.output());
    String versions = ready.substring(ready.indexOf("boot="))
        + (startedIn.find() ? " started in " + startedIn.group(1) + " s" : "");
    return new Figures(setUp, versions, run, answered, whole, spans.size(),
        duplicateSpans, scores.size(), duplicateScores, cutOff, cutOffSpansMissing, cutOffSpans, notWhole,
        scoresNotOnce,
        line(app.output(), "CHAT-APP CONTEXT-CLOSED"), lossWarnings, blockHoundReports);
  }

  /** Null when {@code trace} is the whole trace of {@code call}, once; otherwise what is wrong with it. */
  private static @Nullable String problem(Call call, List<Span> trace) {
    List<String> names = trace.stream().map(Span::getName).sorted().toList();
    if (!names.equals(SPAN_NAMES)) {
      return "spans " + names;
    }
    for (Span span : trace) {
      Map<String, Object> attributes = OtlpJson.attributes(span);
      if (!call.userId().equals(attributes.get("langfuse.user.id"))
          || !call.sessionId().equals(attributes.get("langfuse.session.id"))) {
        return "span " + span.getName() + " has user/session " + attributes.get("langfuse.user.id") + "/"
            + attributes.get("langfuse.session.id");
      }
    }
    return null;
  }

  private static String line(String output, String marker) {
    return output.lines().filter(l -> l.contains(marker)).findFirst().orElse(marker + " (not printed)");
  }

  /** One SSE request and what its client saw. Signals of one request arrive one at a time. */
  static final class Call {

    final int index;
    final boolean cutOff;
    volatile String traceId = "";
    volatile int chunks;
    volatile boolean answered;
    volatile @Nullable Throwable error;

    Call(int index, boolean cutOff) {
      this.index = index;
      this.cutOff = cutOff;
    }

    String userId() {
      return "user-" + index;
    }

    String sessionId() {
      return "session-" + index;
    }

    Mono<Void> run(WebClient client, CountDownLatch started) {
      return client.post()
          // The cut-off requests stream for 10 minutes: far past the graceful-shutdown phase.
          .uri(uri -> cutOff ? uri.path("/chat").queryParam("chunks", 4000).build() : uri.path("/chat").build())
          .header("x-user-id", userId())
          .header("x-session-id", sessionId())
          .bodyValue("question " + index)
          .retrieve()
          .bodyToFlux(SSE)
          .doOnNext(event -> {
            String data = event.data() == null ? "" : event.data();
            switch (String.valueOf(event.event())) {
              case "trace" -> {
                traceId = data;
                started.countDown();
              }
              case "chunk" -> chunks++;
              case "done" -> answered = !traceId.isEmpty() && traceId.equals(data);
              default -> { }
            }
          })
          .onErrorResume(e -> {
            error = e;
            return Flux.empty();
          })
          .then();
    }
  }

  record Run(List<Call> calls, Duration startSpread, long answeredBeforeSigterm, Duration exitTime, int exitCode) {}

  /** What one run delivered, and the assertions on it. */
  record Figures(SetUp setUp, String versions, Run run, int answered, int whole, int spansDelivered,
      long duplicateSpans, int scoresDelivered, long duplicateScores, int cutOff, int cutOffSpansMissing,
      Map<String, Integer> cutOffSpans, List<String> notWhole, List<String> scoresNotOnce, String tracerStats, List<String> lossWarnings,
      List<String> blockHoundReports) {

    void assertCorrect(ChildProcess app) {
      String output = app.output();
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(output).as("SIGTERM started Spring's graceful shutdown").contains("Commencing graceful shutdown");
      soft.assertThat(run.calls.size() - run.answeredBeforeSigterm).as("requests in flight at SIGTERM")
          .isGreaterThanOrEqualTo(REQUESTS);
      soft.assertThat(answered).as("requests answered (graceful shutdown lets them finish)").isEqualTo(REQUESTS);
      soft.assertThat(notWhole).as("answered requests whose trace is not whole and once (%s)", this).isEmpty();
      soft.assertThat(duplicateSpans).as("span copies delivered twice or more (%s)", this).isZero();
      soft.assertThat(scoresNotOnce).as("answered requests whose score is not delivered once (%s)", this).isEmpty();
      soft.assertThat(duplicateScores).as("score copies delivered twice or more").isZero();
      if (cutOffSpansMissing > 0) {
        soft.assertThat(lossWarnings).as("%s spans of cut-off requests were not delivered: the app must say so at"
            + " WARN (%s)", cutOffSpansMissing, this).isNotEmpty();
      }
      soft.assertThat(blockHoundReports.stream().filter(r -> r.contains("fluxtrace=true")).toList())
          .as("BlockHound reports from fluxtrace's code in the app").isEmpty();
      soft.assertAll();
    }

    @Override
    public String toString() {
      Function<List<String>, String> firstFew = list -> list.size() + (list.isEmpty() ? ""
          : " e.g. " + list.stream().limit(3).collect(Collectors.joining("; ")));
      return setUp + " " + versions
          + " | answered " + answered + "/" + REQUESTS + ", traces whole and once " + whole + "/" + answered
          + ", spans delivered " + spansDelivered + ", duplicate spans " + duplicateSpans
          + ", scores delivered " + scoresDelivered + " (duplicates " + duplicateScores + ")"
          + ", all in flight " + run.startSpread.toMillis() + " ms after the first was sent (gate then opened)"
          + ", answered before SIGTERM " + run.answeredBeforeSigterm
          + ", cut off " + cutOff + " (spans missing " + cutOffSpansMissing + "; delivered name:level:status "
          + cutOffSpans + ")"
          + ", exit " + run.exitTime.toMillis() + " ms after SIGTERM, code " + run.exitCode
          + " | app: " + tracerStats.strip()
          + " | loss warnings " + firstFew.apply(lossWarnings)
          + " | not whole " + firstFew.apply(notWhole)
          + " | scores not once " + firstFew.apply(scoresNotOnce)
          + " | BlockHound reports " + blockHoundReports.size() + " "
          + blockHoundReports.stream().map(r -> r.lines().findFirst().orElse("").replaceFirst("^\\S+ ", "")).toList();
    }
  }
}
