package io.fluxtrace.examples.experiment;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.examples.backend.Backend;
import io.fluxtrace.examples.backend.LocalOtlpReceiver;
import io.fluxtrace.examples.backend.ReceivedSpan;
import io.fluxtrace.experiments.Evaluation;
import io.fluxtrace.experiments.Experiment;
import io.fluxtrace.experiments.ExperimentItem;
import io.fluxtrace.experiments.ExperimentResult;
import io.fluxtrace.experiments.ItemResult;
import io.fluxtrace.experiments.ProgressListener;
import io.fluxtrace.export.InMemoryScoreExporter;
import io.fluxtrace.reactor.ReactorTracing;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * An experiment job: {@code --items N} capital-city questions (default 48) from code, answered by a fake model
 * through a traced pipeline, judged by two evaluators (an exact match and a traced fake LLM judge) and a run-level
 * accuracy, eight at a time. Traces and scores go to Langfuse when {@code LANGFUSE_PUBLIC_KEY} and
 * {@code LANGFUSE_SECRET_KEY} are set; otherwise the traces go to an OTLP/HTTP receiver in this process (the
 * demo's) and the scores stay in memory, so the job runs without an account. Prints progress (a bar on a terminal,
 * plain lines otherwise; {@code --progress bar|lines} chooses), the summary table and where the traces are, then
 * exits: the run completes only when everything is delivered.
 *
 * <p>Exit code 0 when every span and score was delivered (and, locally, every item's trace arrived with its
 * experiment attributes), 1 otherwise, 2 for bad arguments.
 */
public final class ExperimentJob {

  static final int DEFAULT_ITEMS = 48;
  static final String USAGE = "usage: java -cp examples/target/fluxtrace-demo.jar "
      + ExperimentJob.class.getName() + " [--items N] [--progress bar|lines]\n";

  private ExperimentJob() {}

  /** Runs the job; see the class comment. */
  public static void main(String[] args) {
    int code = run(args, System.getenv(), System.out, System.console() != null);
    System.out.flush();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** The job, with its environment and output given; returns the exit code. */
  static int run(String[] args, Map<String, String> env, PrintStream out, boolean interactive) {
    int items = DEFAULT_ITEMS;
    boolean bar = interactive;
    for (int i = 0; i < args.length; i += 2) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      if (args[i].equals("--items") && value.matches("\\d{1,6}") && Integer.parseInt(value) >= 1) {
        items = Integer.parseInt(value);
      } else if (args[i].equals("--progress") && (value.equals("bar") || value.equals("lines"))) {
        bar = value.equals("bar");
      } else {
        out.print("bad arguments: " + String.join(" ", args) + "\n" + USAGE);
        return 2;
      }
    }
    List<ReceivedSpan> received = Collections.synchronizedList(new ArrayList<>());
    LocalOtlpReceiver receiver = null;
    InMemoryScoreExporter localScores = null;
    FluxTracer tracer;
    if (Backend.hasLangfuseKeys(env)) {
      tracer = FluxTracer.builder(env).serviceName("fluxtrace-experiment").build();
      out.println("fluxtrace experiment: " + items + " items, traced and scored in Langfuse");
    } else {
      receiver = LocalOtlpReceiver.start(received::addAll);
      localScores = InMemoryScoreExporter.create();
      tracer = FluxTracer.builder(env)
          .otlpEndpoint(receiver.tracesUrl())
          .scoreExporter(localScores)
          .serviceName("fluxtrace-experiment")
          .build();
      out.println("fluxtrace experiment: " + items + " items, traced to the OTLP/HTTP receiver at "
          + receiver.tracesUrl() + " (in this process), scores kept in memory");
    }
    try {
      ExperimentResult result = experiment(tracer, Countries.items(items), out, bar);
      out.print(result.summaryTable());
      for (ItemResult item : result.items().subList(0, Math.min(3, result.items().size()))) {
        out.println("item " + item.item().id() + ": trace " + item.traceId()
            + (item.traceUrl() != null ? "  " + item.traceUrl() : ""));
      }
      boolean ok = result.delivery().isClean() && result.errors() == 0 && result.evaluatorFailures() == 0;
      if (receiver != null && localScores != null) {
        ok &= checkLocally(result, received, localScores.scores().size(), out);
      }
      return ok ? 0 : 1;
    } finally {
      tracer.close();
      if (receiver != null) {
        receiver.close();
      }
    }
  }

  private static ExperimentResult experiment(FluxTracer tracer, List<ExperimentItem> dataset, PrintStream out,
      boolean interactive) {
    ReactorTracing tracing = ReactorTracing.create(tracer);
    FakeModels model = new FakeModels(tracing);
    FakeModels judge = model;
    Duration interval = interactive ? Duration.ofMillis(200) : Duration.ofSeconds(2);
    // README: experiment-progress
    ProgressListener progress = interactive
        ? p -> out.print("\r" + p.bar(30) + (p.finished() ? "\n" : ""))  // a bar redrawn in place on a terminal
        : p -> out.println(p.line());                                     // plain lines in logs and CI
    // END README
    // README: experiment
    ExperimentResult result = Experiment.builder(tracer)
        .name("capital-cities")
        .metadata("model", "fake-capitals-1")
        .items(dataset)                                   // or .dataset("capitals"): a Langfuse dataset, paged
        .task(item -> model.answer(String.valueOf(item.input())))          // item -> Mono<output>, traced
        .evaluator("exact_match", (input, output, expected, metadata) ->
            Mono.just(List.of(Evaluation.bool("exact_match", Objects.equals(output, expected)))))
        .evaluator("judge", (input, output, expected, metadata) -> judge.grade(output, expected))  // LLM judge
        .runEvaluator("accuracy", results -> Mono.just(List.of(Evaluation.numeric("accuracy",
            results.stream().filter(r -> r.output() != null && r.output().equals(r.item().expectedOutput()))
                .count() / (double) Math.max(1, results.size())))))
        .concurrency(8)
        .itemTimeout(Duration.ofSeconds(30))
        .progress(progress, interval)
        .build()
        .runBlocking(Duration.ofMinutes(10));             // or run(): a Mono that completes once all is delivered
    // END README
    return result;
  }

  /** Locally, the receiver saw every item's trace, each span with the experiment's id, and the scores were kept. */
  private static boolean checkLocally(ExperimentResult result, List<ReceivedSpan> received, int scores,
      PrintStream out) {
    List<ReceivedSpan> spans;
    synchronized (received) {
      spans = new ArrayList<>(received);
    }
    Set<String> traces = spans.stream().map(ReceivedSpan::traceId).collect(Collectors.toSet());
    long withExperiment = spans.stream()
        .filter(s -> result.experimentId().equals(s.attributes().get("langfuse.experiment.id")))
        .count();
    long roots = spans.stream().filter(s -> s.parentSpanId() == null
        && s.attributes().get("langfuse.experiment.item.root_observation_id") != null).count();
    Set<String> expected = result.items().stream().map(ItemResult::traceId).collect(Collectors.toSet());
    out.println("local receiver: " + spans.size() + " spans in " + traces.size() + " traces, " + withExperiment
        + " with langfuse.experiment.id, " + roots + " item roots; " + scores + " scores kept in this process");
    return traces.equals(expected) && withExperiment == spans.size() && roots == result.items().size()
        && scores == 2L * result.items().size() + 1;
  }
}
