package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.TracerStats;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Benchmark 7 (a harness, not JMH): a reactor-netty application with a traced handler under a fixed number of
 * concurrent clients on loopback, with tracing on and off, alternating rounds in one JVM.
 *
 * <p>The handler answers {@code GET /chat?q=...} like a small RAG endpoint: a retriever step (CPU only), then a
 * streaming generation of {@value #CHUNKS} chunks after a simulated model latency (a timer, as a remote model call
 * is), reduced to the answer, all inside a chain step, with the user id written to the Context. With tracing on,
 * that is three spans per request, exported over OTLP/HTTP (protobuf, gzip, fluxtrace's defaults) to a
 * {@link LoopbackReceiver}; with tracing off the tracer is {@link FluxTracer#disabled()}. Latencies are measured by
 * the client from request to the last byte and sorted ({@code long[]}) for percentiles.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.fluxtrace.benchmarks.LoadHarness [concurrency] [seconds per round]
 * [rounds] [model latency ms]}, defaults 16, 5, 2, 1.
 */
public final class LoadHarness {

  static final int CHUNKS = 20;
  private static final int MAX_SAMPLES = 2_000_000;

  private LoadHarness() {}

  record Chunk(String text, @Nullable Map<String, Long> usage) {}

  /** The figures of one round. */
  record Round(String mode, long requests, long errors, double seconds, long[] sortedNanos) {
    double throughput() {
      return requests / seconds;
    }

    double percentileMillis(double p) {
      if (sortedNanos.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.min(sortedNanos.length - 1, Math.ceil(p / 100.0 * sortedNanos.length) - 1);
      return sortedNanos[Math.max(0, index)] / 1e6;
    }

    String describe() {
      return String.format("%-3s %,8d requests in %.1f s: %,8.0f req/s, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms,"
          + " p99.9 %.3f ms, errors %d", mode, requests, seconds, throughput(), percentileMillis(50),
          percentileMillis(90), percentileMillis(99), percentileMillis(99.9), errors);
    }
  }

  /** The application: one handler, traced by whatever {@code tracing} does. */
  static final class App {
    private final ReactorTracing tracing;
    private final Duration modelLatency;
    private final DisposableServer server;

    App(ReactorTracing tracing, Duration modelLatency) {
      this.tracing = tracing;
      this.modelLatency = modelLatency;
      this.server = HttpServer.create()
          .host("127.0.0.1")
          .port(0)
          .route(routes -> routes.get("/chat", (request, response) -> {
            String question = request.param("q");
            String user = request.requestHeaders().get("x-user", "anonymous");
            return response.sendString(handle(question == null ? "" : question, user));
          }))
          .bindNow(Duration.ofSeconds(10));
    }

    Mono<String> handle(String question, String user) {
      Mono<List<String>> docs = Mono.fromCallable(() -> retrieve(question))
          .transform(tracing.retriever("retrieve").input(question).mono());
      return docs
          .flatMap(found -> generate(question, found)
              .transform(tracing.generation("chat")
                  .model(Content.MODEL)
                  .input(question)
                  .usage(Chunk::usage)
                  .flux(Collectors.mapping(Chunk::text, Collectors.joining())))
              .map(Chunk::text)
              .collect(Collectors.joining()))
          .transform(tracing.chain("request").input(question).mono())
          .contextWrite(TraceContext.userId(user));
    }

    private static List<String> retrieve(String question) {
      List<String> docs = new ArrayList<>(3);
      for (int i = 0; i < 3; i++) {
        docs.add("doc " + i + " about " + question);
      }
      return docs;
    }

    private Flux<Chunk> generate(String question, List<String> docs) {
      return Flux.range(0, CHUNKS)
          .map(i -> new Chunk("tok" + i + ' ', i == CHUNKS - 1 ? Content.USAGE : null))
          .delaySubscription(modelLatency);
    }

    String url() {
      return "http://127.0.0.1:" + server.port() + "/chat?q=what+is+reactive+tracing";
    }

    void close() {
      server.disposeNow(Duration.ofSeconds(10));
    }
  }

  public static void main(String[] args) {
    int concurrency = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Duration modelLatency = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 1);
    System.out.printf("load: %d concurrent clients, %d rounds of %d s per mode, simulated model latency %d ms;"
        + " JDK %s, %d cores%n", concurrency, rounds, seconds, modelLatency.toMillis(), Runtime.version(),
        Runtime.getRuntime().availableProcessors());

    LoopbackReceiver receiver = LoopbackReceiver.start();
    FluxTracer tracer = FluxTracer.builder(Map.of())
        .otlpEndpoint(receiver.tracesUrl())
        .serviceName("fluxtrace-load")
        .shutdownHook(false)
        .build();
    App off = new App(ReactorTracing.create(FluxTracer.disabled()), modelLatency);
    App on = new App(ReactorTracing.create(tracer), modelLatency);
    ConnectionProvider pool = ConnectionProvider.builder("load").maxConnections(concurrency).build();
    HttpClient client = HttpClient.create(pool).headers(h -> h.set("x-user", "user-1"));

    // Warm-up: one round per mode, not counted.
    run(client, off, "off", concurrency, seconds);
    run(client, on, "on", concurrency, seconds);
    List<Round> offRounds = new ArrayList<>();
    List<Round> onRounds = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      // Alternate which mode goes first, so that a drift in machine load does not favour one.
      boolean offFirst = r % 2 == 0;
      Round first = run(client, offFirst ? off : on, offFirst ? "off" : "on", concurrency, seconds);
      Round second = run(client, offFirst ? on : off, offFirst ? "on" : "off", concurrency, seconds);
      (offFirst ? offRounds : onRounds).add(first);
      (offFirst ? onRounds : offRounds).add(second);
      System.out.println("  round " + (r + 1) + ": " + first.describe());
      System.out.println("  round " + (r + 1) + ": " + second.describe());
    }
    Round offAll = merge("off", offRounds);
    Round onAll = merge("on", onRounds);
    tracer.flushBlocking(Duration.ofSeconds(30));
    TracerStats stats = tracer.stats();
    System.out.println("RESULT " + offAll.describe());
    System.out.println("RESULT " + onAll.describe());
    System.out.printf("RESULT on/off: p50 %.3f, p99 %.3f, p99.9 %.3f, throughput %.3f%n",
        onAll.percentileMillis(50) / offAll.percentileMillis(50),
        onAll.percentileMillis(99) / offAll.percentileMillis(99),
        onAll.percentileMillis(99.9) / offAll.percentileMillis(99.9), onAll.throughput() / offAll.throughput());
    System.out.printf("RESULT tracer: spans ended %,d, exported %,d, dropped %,d, failed %,d, batches %,d,"
        + " bytes sent %,d; receiver requests %,d%n", stats.spansEnded(), stats.exported(), stats.dropped(),
        stats.failed(), stats.batches(), stats.bytesSent(), receiver.requests());

    tracer.close();
    off.close();
    on.close();
    pool.disposeLater().block(Duration.ofSeconds(10));
    receiver.close();
    long errors = offAll.errors() + onAll.errors();
    if (errors > 0 || stats.exported() == 0 || stats.dropped() > 0) {
      System.out.println("FAILED: errors, drops or nothing exported");
      System.exit(1);
    }
  }

  private static Round run(HttpClient client, App app, String mode, int concurrency, int seconds) {
    long[] samples = new long[MAX_SAMPLES];
    AtomicInteger count = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    String url = app.url();
    long start = System.nanoTime();
    long deadline = start + Duration.ofSeconds(seconds).toNanos();
    Flux.range(0, concurrency)
        .flatMap(user -> Mono.defer(() -> {
              long sent = System.nanoTime();
              return client.get().uri(url).responseSingle((response, body) -> {
                if (response.status().code() != 200) {
                  errors.incrementAndGet();
                }
                return body.asString().defaultIfEmpty("");
              }).doOnNext(answer -> {
                int i = count.getAndIncrement();
                if (i < samples.length) {
                  samples[i] = System.nanoTime() - sent;
                }
              }).onErrorResume(e -> {
                errors.incrementAndGet();
                return Mono.empty();
              });
            })
            .repeat(() -> System.nanoTime() < deadline), concurrency)
        .blockLast(Duration.ofSeconds(seconds + 60L));
    double elapsed = (System.nanoTime() - start) / 1e9;
    int n = Math.min(count.get(), samples.length);
    long[] sorted = Arrays.copyOf(samples, n);
    Arrays.sort(sorted);
    return new Round(mode, count.get(), errors.get(), elapsed, sorted);
  }

  private static Round merge(String mode, List<Round> rounds) {
    long requests = 0;
    long errors = 0;
    double seconds = 0;
    int total = 0;
    for (Round r : rounds) {
      requests += r.requests();
      errors += r.errors();
      seconds += r.seconds();
      total += r.sortedNanos().length;
    }
    long[] all = new long[total];
    int at = 0;
    for (Round r : rounds) {
      System.arraycopy(r.sortedNanos(), 0, all, at, r.sortedNanos().length);
      at += r.sortedNanos().length;
    }
    Arrays.sort(all);
    return new Round(mode, requests, errors, seconds, all);
  }
}
