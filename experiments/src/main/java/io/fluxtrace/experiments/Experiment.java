package io.fluxtrace.experiments;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.experiments.internal.ExperimentRun;
import io.fluxtrace.experiments.internal.RunSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * An experiment: a task run over the items of a dataset, each item in its own trace carrying Langfuse's
 * {@code langfuse.experiment.*} attributes (so the run shows up in Langfuse as an experiment / dataset run),
 * judged by evaluators whose evaluations become scores. Immutable and reusable: each {@link #run()} is a new run
 * with a new experiment id.
 *
 * <pre>{@code
 * ExperimentResult result = Experiment.builder(tracer)
 *     .name("capital-cities")
 *     .dataset("capitals")                        // or .items(List.of(ExperimentItem.of("France", "Paris")))
 *     .task(item -> model.answer(item.input()))   // item -> Mono<output>, typically a traced pipeline
 *     .evaluator("exact_match", (input, output, expected, metadata) ->
 *         Mono.just(List.of(Evaluation.bool("exact_match", Objects.equals(output, expected)))))
 *     .concurrency(20)
 *     .build()
 *     .runBlocking(Duration.ofMinutes(10));
 * }</pre>
 *
 * <p>A run completes only when every item is done, the run-level evaluators have run, and every span and score of
 * the run has been delivered or has definitively failed (the tracer's {@link FluxTracer#flush() flush} is in the
 * result). A task that fails or times out is recorded in its item's result and the run goes on; so is a failing
 * evaluator. Cancelling the run cancels the items in flight and ends their open spans.
 */
public final class Experiment {

  private final RunSettings settings;

  private Experiment(RunSettings settings) {
    this.settings = settings;
  }

  /** A builder for an experiment traced and scored by {@code tracer}. */
  public static Builder builder(FluxTracer tracer) {
    return new Builder(Objects.requireNonNull(tracer, "tracer"));
  }

  /**
   * Runs the experiment. Nothing happens until subscribed; every subscription is a new run. Emits the result once
   * everything is delivered; errors with an {@link ExperimentException} when the items cannot be read (an unknown
   * dataset, refused keys, a page that fails to load), with the results of the items that did run.
   */
  public Mono<ExperimentResult> run() {
    return Mono.defer(() -> new ExperimentRun(settings).run());
  }

  /**
   * Runs the experiment and waits at most {@code timeout}, for a {@code main} method or a test. If the time runs
   * out, the run is cancelled (its open spans end as cancelled, to be delivered by the tracer's flush or close) and
   * an {@link ExperimentException} is thrown.
   *
   * @throws IllegalStateException when called on a thread Reactor marks non-blocking (use {@link #run()})
   * @throws ExperimentException when the items cannot be read, or the time ran out
   */
  public ExperimentResult runBlocking(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (Schedulers.isInNonBlockingThread()) {
      throw new IllegalStateException("fluxtrace: runBlocking() blocks and cannot run on the non-blocking thread "
          + Thread.currentThread().getName() + "; use run() and compose the Mono instead");
    }
    ExperimentResult result = run()
        .timeout(timeout, Mono.error(() -> new ExperimentException("fluxtrace: experiment '" + settings.name()
            + "' did not finish within " + timeout + "; it was cancelled and its open spans were ended", null)))
        .block();
    if (result == null) {
      throw new ExperimentException("fluxtrace: experiment '" + settings.name() + "' completed without a result",
          null);
    }
    return result;
  }

  @Override
  public String toString() {
    return "Experiment{" + settings.name() + '}';
  }

  /**
   * Collects an experiment's settings; {@link #build()} validates them. Not thread-safe. Required: a
   * {@link #name}, a {@link #task}, and exactly one source of items ({@link #dataset}, {@link #items(List)} or
   * {@link #items(Flux)}).
   */
  public static final class Builder {

    private static final Pattern ENVIRONMENT = Pattern.compile("^(?!langfuse)[a-z0-9_-]{1,40}$");

    private final FluxTracer tracer;
    private @Nullable String name;
    private @Nullable String runName;
    private @Nullable String description;
    private final Map<String, @Nullable Object> metadata = new LinkedHashMap<>();
    private @Nullable String datasetName;
    private @Nullable List<ExperimentItem> itemList;
    private @Nullable Flux<ExperimentItem> itemFlux;
    private int sources;
    private int pageSize = 50;
    private @Nullable Function<ExperimentItem, ? extends Mono<?>> task;
    private final Map<String, ItemEvaluator> evaluators = new LinkedHashMap<>();
    private final Map<String, RunEvaluator> runEvaluators = new LinkedHashMap<>();
    private int concurrency = 10;
    private @Nullable Duration itemTimeout;
    private Duration evaluatorTimeout = Duration.ofMinutes(5);
    private ProgressListener progress = ProgressListener.none();
    private Duration progressInterval = Duration.ofSeconds(1);
    private String environment = "sdk-experiment";

    private Builder(FluxTracer tracer) {
      this.tracer = tracer;
    }

    /** The experiment's name (required); runs are named after it unless {@link #runName} is set. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The run's name ({@code langfuse.experiment.name}); by default the name and the start time in UTC. */
    public Builder runName(@Nullable String runName) {
      this.runName = runName;
      return this;
    }

    /** A description of the run ({@code langfuse.experiment.description}). */
    public Builder description(@Nullable String description) {
      this.description = description;
      return this;
    }

    /** One entry of the run's metadata ({@code langfuse.experiment.metadata}), such as the model or prompt. */
    public Builder metadata(String key, @Nullable Object value) {
      metadata.put(Objects.requireNonNull(key, "key"), value);
      return this;
    }

    /** Reads the items of this Langfuse dataset, page by page, with the tracer's base URL and keys. */
    public Builder dataset(String datasetName) {
      this.datasetName = datasetName;
      sources++;
      return this;
    }

    /** How many dataset items each page request asks for (1 to 100; 50 by default). */
    public Builder pageSize(int pageSize) {
      this.pageSize = pageSize;
      return this;
    }

    /** Runs over these items. */
    public Builder items(List<ExperimentItem> items) {
      this.itemList = List.copyOf(Objects.requireNonNull(items, "items"));
      sources++;
      return this;
    }

    /** Runs over the items this Flux emits (read as the run goes, with back-pressure). */
    public Builder items(Flux<ExperimentItem> items) {
      this.itemFlux = Objects.requireNonNull(items, "items");
      sources++;
      return this;
    }

    /**
     * The task (required): the output of one item, typically from a traced pipeline. It runs in the item's trace
     * (its spans are children of the item's root span and carry the experiment attributes). An exception, an error
     * signal or a timeout fails only that item.
     */
    public Builder task(Function<ExperimentItem, ? extends Mono<?>> task) {
      this.task = task;
      return this;
    }

    /** Adds an item-level evaluator; the name labels its span and its failures. */
    public Builder evaluator(String name, ItemEvaluator evaluator) {
      evaluators.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(evaluator, "evaluator"));
      return this;
    }

    /** Adds a run-level evaluator, run once every item is done. */
    public Builder runEvaluator(String name, RunEvaluator evaluator) {
      runEvaluators.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(evaluator, "evaluator"));
      return this;
    }

    /** How many items run at once (at least 1; 10 by default). */
    public Builder concurrency(int concurrency) {
      this.concurrency = concurrency;
      return this;
    }

    /** How long one item's task may take before it fails as timed out (cancelled); no limit by default. */
    public Builder itemTimeout(@Nullable Duration itemTimeout) {
      this.itemTimeout = itemTimeout;
      return this;
    }

    /** How long one evaluator may take on one item or on the run before it fails (5 minutes by default). */
    public Builder evaluatorTimeout(Duration evaluatorTimeout) {
      this.evaluatorTimeout = evaluatorTimeout;
      return this;
    }

    /** Receives progress reports at most once per {@code interval}, and a last one when every item is done. */
    public Builder progress(ProgressListener listener, Duration interval) {
      this.progress = Objects.requireNonNull(listener, "listener");
      this.progressInterval = interval;
      return this;
    }

    /**
     * The Langfuse environment of the run's traces and scores; {@code sdk-experiment} by default, as Langfuse's
     * own experiment runners use.
     */
    public Builder environment(String environment) {
      this.environment = environment;
      return this;
    }

    /**
     * Validates the settings and builds the experiment.
     *
     * @throws IllegalArgumentException naming the first setting that is missing or invalid
     */
    public Experiment build() {
      String n = name;
      if (n == null || n.isBlank()) {
        throw invalid("name", "set and not blank", n);
      }
      if (runName != null && runName.isBlank()) {
        throw invalid("runName", "not blank when set", runName);
      }
      if (sources != 1) {
        throw new IllegalArgumentException("fluxtrace: experiment items must come from exactly one of dataset(..),"
            + " items(List) and items(Flux), got " + (sources == 0 ? "none" : sources));
      }
      String dataset = datasetName;
      if (dataset != null && dataset.isBlank()) {
        throw invalid("dataset", "a dataset name that is not blank", dataset);
      }
      if (pageSize < 1 || pageSize > 100) {
        throw invalid("pageSize", "1 to 100", Integer.toString(pageSize));
      }
      Function<ExperimentItem, ? extends Mono<?>> t = task;
      if (t == null) {
        throw invalid("task", "set", null);
      }
      if (concurrency < 1) {
        throw invalid("concurrency", "at least 1", Integer.toString(concurrency));
      }
      if (itemTimeout != null && (itemTimeout.isZero() || itemTimeout.isNegative())) {
        throw invalid("itemTimeout", "positive when set", String.valueOf(itemTimeout));
      }
      if (evaluatorTimeout == null || evaluatorTimeout.isZero() || evaluatorTimeout.isNegative()) {
        throw invalid("evaluatorTimeout", "positive", String.valueOf(evaluatorTimeout));
      }
      if (progressInterval == null || progressInterval.isNegative()) {
        throw invalid("progress interval", "zero or positive", String.valueOf(progressInterval));
      }
      if (environment == null || !ENVIRONMENT.matcher(environment).matches()) {
        throw invalid("environment", "1 to 40 lowercase letters, digits, '-' and '_', not starting with"
            + " 'langfuse'", environment);
      }
      for (String evaluator : evaluators.keySet()) {
        if (evaluator.isBlank()) {
          throw invalid("evaluator name", "not blank", evaluator);
        }
      }
      for (String evaluator : runEvaluators.keySet()) {
        if (evaluator.isBlank()) {
          throw invalid("runEvaluator name", "not blank", evaluator);
        }
      }
      return new Experiment(new RunSettings(tracer, n, runName, description, new LinkedHashMap<>(metadata),
          dataset, itemList, itemFlux, pageSize, t, new LinkedHashMap<>(evaluators),
          new LinkedHashMap<>(runEvaluators), concurrency, itemTimeout, evaluatorTimeout, progress,
          progressInterval, environment));
    }

    private static IllegalArgumentException invalid(String setting, String expected, @Nullable String got) {
      return new IllegalArgumentException("fluxtrace: experiment " + setting + " must be " + expected + ", got "
          + (got == null ? "null" : "'" + got + "'"));
    }
  }
}
