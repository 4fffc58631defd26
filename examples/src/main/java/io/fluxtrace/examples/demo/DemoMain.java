package io.fluxtrace.examples.demo;

import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.examples.backend.Backend;
import io.fluxtrace.examples.backend.ReceivedSpan;
import io.fluxtrace.examples.backend.TraceTree;
import io.fluxtrace.examples.rag.DocumentIndex;
import io.fluxtrace.examples.rag.FakeChatModel;
import io.fluxtrace.examples.rag.RagPipeline;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The demo: {@code --requests N} concurrent chat requests (default 5), each with its own user and session, through
 * a traced retrieval-augmented pipeline (retrieve, rerank, streaming generation from a fake model) that hops
 * threads at every step. The spans are exported over OTLP/HTTP, to Langfuse when {@code LANGFUSE_PUBLIC_KEY} and
 * {@code LANGFUSE_SECRET_KEY} are set, otherwise to a receiver in this process. After a blocking flush, which
 * returns once every span is delivered, it prints each trace as a tree (or its Langfuse link) and the flush
 * result.
 *
 * <p>Exit code 0 when every span was delivered and every trace holds exactly its own request's spans, 1 otherwise,
 * 2 for bad arguments.
 */
public final class DemoMain {

  static final int DEFAULT_REQUESTS = 5;
  static final int MAX_REQUESTS = 10_000;
  static final String USAGE = "usage: java -jar examples/target/fluxtrace-demo.jar [--requests N]\n"
      + "  --requests N  concurrent requests, 1 to " + MAX_REQUESTS + " (default " + DEFAULT_REQUESTS + ")\n"
      + "Without LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY the traces go to an OTLP/HTTP receiver in this\n"
      + "process and are printed; with them (and LANGFUSE_BASE_URL) they go to Langfuse.\n";
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CHUNK_DELAY = Duration.ofMillis(10);

  private DemoMain() {}

  /** Runs the demo; see the class comment. */
  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.out);
    System.out.flush();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** The demo, with its environment and output given; returns the exit code. */
  static int run(String[] args, Map<String, String> env, PrintStream out) {
    Integer requests = requests(args, out);
    if (requests == null) {
      return List.of(args).contains("--help") || List.of(args).contains("-h") ? 0 : 2;
    }
    Queue<ReceivedSpan> received = new ConcurrentLinkedQueue<>();
    Backend backend;
    try {
      backend = Backend.fromEnvironment(env, "fluxtrace-demo", received::addAll);
    } catch (IllegalArgumentException e) {
      // A malformed LANGFUSE_* variable: the message names it and says what it expected.
      out.println(e.getMessage());
      return 2;
    }
    try (backend) {
      out.printf("fluxtrace demo: %d concurrent requests, retrieve -> rerank -> generate (streaming),%n"
          + "traced to %s%n%n", requests, backend.description());
      FluxTracer tracer = backend.tracer();
      if (!tracer.isEnabled()) {
        out.println("Tracing is disabled (LANGFUSE_TRACING_ENABLED): there is nothing to show.");
        return 0;
      }
      ReactorTracing tracing = ReactorTracing.create(tracer);
      RagPipeline pipeline = new RagPipeline(tracing, new DocumentIndex(), new FakeChatModel(CHUNK_DELAY));

      List<Reply> replies = Flux.range(1, requests)
          .map(Question::number)
          .flatMap(question -> ask(tracing, pipeline, question), requests)
          .collectSortedList(Comparator.comparingInt(reply -> reply.question().index()))
          .block(RUN_TIMEOUT);

      FlushResult flush = tracer.flushBlocking(FLUSH_TIMEOUT);

      boolean isolated = true;
      if (backend.isLocal()) {
        isolated = printTrees(Objects.requireNonNull(replies), List.copyOf(received), out);
      } else {
        printLinks(Objects.requireNonNull(replies), env, Objects.requireNonNull(backend.langfuseBaseUrl()), out);
      }
      printFlush(flush, out);
      return flush.isClean() && isolated ? 0 : 1;
    }
  }

  // README: demo
  /** One request: the root step records question and answer; its user and session are set for the whole trace. */
  static Mono<Reply> ask(ReactorTracing tracing, RagPipeline pipeline, Question question) {
    return TraceContext.currentTraceId()
        .defaultIfEmpty("") // no trace id when the trace is not recorded (sampled out)
        .flatMap(traceId -> pipeline.answer(question.text())
            .collect(Collectors.joining())
            .map(answer -> new Reply(question, traceId, answer)))
        .transform(tracing.chain("chat").input(question.text()).mono(Reply::answer))
        .contextWrite(TraceContext.userId(question.userId()))
        .contextWrite(TraceContext.sessionId(question.sessionId()));
  }
  // END README

  /**
   * Prints the trees in request order, then checks that each trace holds only spans of the request that made it:
   * the failure tracers with a "current span" in thread state show as soon as requests run concurrently.
   */
  private static boolean printTrees(List<Reply> replies, List<ReceivedSpan> received, PrintStream out) {
    Map<String, List<ReceivedSpan>> byTrace = received.stream()
        .collect(Collectors.groupingBy(ReceivedSpan::traceId));
    int strays = 0;
    for (Reply reply : replies) {
      List<ReceivedSpan> spans = byTrace.getOrDefault(reply.traceId(), List.of());
      out.print(TraceTree.render(spans));
      out.println();
      Question q = reply.question();
      strays += (int) spans.stream()
          .filter(s -> !q.userId().equals(s.userId()) || !q.sessionId().equals(s.sessionId()))
          .count();
    }
    long tracesReceived = byTrace.size();
    long unknownTraces = byTrace.keySet().stream()
        .filter(id -> replies.stream().noneMatch(r -> r.traceId().equals(id)))
        .count();
    boolean isolated = strays == 0 && unknownTraces == 0 && tracesReceived == replies.size();
    out.printf("isolation: %d requests, %d traces, %d spans: %s%n", replies.size(), tracesReceived,
        received.size(), isolated
            ? "each trace holds exactly the spans of its own request (user and session checked on every span)"
            : strays + " spans in another request's trace, " + unknownTraces + " traces of no request");
    return isolated;
  }

  private static void printLinks(List<Reply> replies, Map<String, String> env, String baseUrl, PrintStream out) {
    LangfuseLinks links = LangfuseLinks.lookUp(baseUrl, env.getOrDefault("LANGFUSE_PUBLIC_KEY", ""),
        env.getOrDefault("LANGFUSE_SECRET_KEY", ""), Duration.ofSeconds(10));
    for (Reply reply : replies) {
      Question q = reply.question();
      out.printf("%s  %s  %s%n  trace %s  %s%n", q.userId(), q.sessionId(), q.text(), reply.traceId(),
          reply.traceId().isEmpty() ? "(sampled out)" : links.traceUrl(reply.traceId()));
    }
    out.println();
    out.println("Langfuse shows a trace a few seconds after it is received.");
  }

  private static void printFlush(FlushResult flush, PrintStream out) {
    out.printf("flush: %s: exported %d, dropped %d, failed %d%n",
        flush.completed() ? "completed" : "timed out", flush.exported(), flush.dropped(), flush.failed());
    if (flush.failed() > 0) {
      out.println("failed by reason: " + flush.stats().failedByReason().entrySet().stream()
          .filter(e -> e.getValue() > 0)
          .map(e -> e.getKey() + " " + e.getValue())
          .collect(Collectors.joining(", "))
          + ". UNAUTHORIZED: check the keys and LANGFUSE_BASE_URL (EU https://cloud.langfuse.com,"
          + " US https://us.cloud.langfuse.com); RETRIES_EXHAUSTED: the server could not be reached.");
    }
  }

  /** The number of requests, or null after printing the usage. */
  private static @Nullable Integer requests(String[] args, PrintStream out) {
    int requests = DEFAULT_REQUESTS;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      if (arg.equals("--requests") && i + 1 < args.length) {
        value = args[++i];
      } else if (arg.startsWith("--requests=")) {
        value = arg.substring("--requests=".length());
      } else {
        out.print((arg.equals("--help") || arg.equals("-h") ? "" : "unknown argument: " + arg + "\n") + USAGE);
        return null;
      }
      try {
        requests = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        requests = -1;
      }
      if (requests < 1 || requests > MAX_REQUESTS) {
        out.print("--requests must be a whole number from 1 to " + MAX_REQUESTS + ", got '" + value + "'\n" + USAGE);
        return null;
      }
    }
    return requests;
  }
}
