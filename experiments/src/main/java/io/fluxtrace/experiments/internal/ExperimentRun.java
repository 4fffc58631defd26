package io.fluxtrace.experiments.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ExperimentAttributes;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Score;
import io.fluxtrace.Span;
import io.fluxtrace.SpanContext;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.experiments.Evaluation;
import io.fluxtrace.experiments.EvaluatorFailure;
import io.fluxtrace.experiments.ExperimentException;
import io.fluxtrace.experiments.ExperimentItem;
import io.fluxtrace.experiments.ExperimentResult;
import io.fluxtrace.experiments.ItemEvaluator;
import io.fluxtrace.experiments.ItemResult;
import io.fluxtrace.experiments.RunEvaluator;
import io.fluxtrace.internal.TracerAccess;
import io.fluxtrace.internal.config.Secrets;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.transport.LangfuseApiReader;
import io.fluxtrace.internal.util.Uuids;
import io.fluxtrace.reactor.internal.ContextSpans;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.context.Context;

/**
 * One run of an experiment. Each item gets a root span {@value #ROOT_SPAN_NAME} that starts a new trace and
 * carries the item's {@link ExperimentAttributes}; the task and the item's evaluators run below it, with the root
 * as their parent and the experiment's trace attributes in the Reactor Context, so every span they start carries
 * the run attributes too. The root ends after the evaluators, so their spans (an LLM judge's generation) belong to
 * the item's trace.
 *
 * <p>Scores are recorded through the tracer as soon as an evaluator answers; the run's last step is the tracer's
 * flush, which completes when everything recorded before it (every span and score of the run) is delivered or has
 * definitively failed. Internal: no compatibility promise.
 */
public final class ExperimentRun {

  /** The name of each item's root span, as Langfuse's own experiment runners name it. */
  static final String ROOT_SPAN_NAME = "experiment-item-run";

  private final Logger log = Loggers.getLogger(ExperimentRun.class);
  private final RunSettings settings;
  private final FluxTracer tracer;
  private final ObjectMapper mapper;
  private final int maxValueBytes;
  // Not UUID.randomUUID(): its SecureRandom may read the OS entropy source, on what may be a non-blocking thread.
  private final String experimentId = Uuids.random();
  private final String runName;
  private final long startNanos = System.nanoTime();
  private final @Nullable String linkBase;
  private final ProgressTracker progress;
  private final AtomicReference<@Nullable Throwable> sourceError = new AtomicReference<>();
  private final AtomicLong itemsRead = new AtomicLong();
  private final AtomicBoolean oversizedWarned = new AtomicBoolean();

  /** A run with these settings; nothing happens until {@link #run()} is subscribed. */
  public ExperimentRun(RunSettings settings) {
    this.settings = settings;
    this.tracer = settings.tracer();
    TracerConfig config = TracerAccess.config(tracer);
    this.mapper = config.objectMapper();
    this.maxValueBytes = config.maxValueBytes();
    String name = settings.runName();
    this.runName = name != null
        ? name
        : settings.name() + " - " + Instant.now().truncatedTo(ChronoUnit.SECONDS);
    this.linkBase = config.enabled() && config.langfuse() && config.exporter() == null
        ? withoutTrailingSlash(Secrets.redactUrl(LangfuseApiReader.baseUrl(config.endpoint())))
        : null;
    this.progress = new ProgressTracker(runName, settings.progress(), settings.progressInterval());
  }

  /** Reads the items, runs them, evaluates the run, flushes; see {@code Experiment.run()}. */
  public Mono<ExperimentResult> run() {
    String datasetName = settings.datasetName();
    if (datasetName != null) {
      return runOnDataset(datasetName);
    }
    List<ExperimentItem> items = settings.items();
    if (items != null) {
      progress.total(items.size());
      return runItems(null, Flux.fromIterable(items));
    }
    Flux<ExperimentItem> flux = settings.itemFlux();
    if (flux == null) {
      return Mono.error(new IllegalStateException("fluxtrace: experiment has no items"));
    }
    return runItems(null, flux.doOnComplete(() -> progress.total(itemsRead.get())));
  }

  private Mono<ExperimentResult> runOnDataset(String datasetName) {
    TracerConfig config = TracerAccess.config(tracer);
    LangfuseApiReader reader = LangfuseApiReader.create(config);
    if (reader == null) {
      return Mono.error(new ExperimentException("fluxtrace: experiment '" + settings.name() + "' reads Langfuse"
          + " dataset '" + datasetName + "', which needs a tracer that exports to Langfuse with keys"
          + " (LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY); this tracer "
          + (!config.enabled() ? "is disabled" : "exports elsewhere") + ". Pass the items with items(..) instead.",
          null));
    }
    return Mono.using(() -> reader,
        r -> LangfuseDataset.open(r, mapper, datasetName, settings.pageSize(), progress::skipped)
            .flatMap(opened -> {
              progress.total(opened.totalItems());
              return runItems(opened.id(), opened.items());
            }),
        LangfuseApiReader::close);
  }

  private Mono<ExperimentResult> runItems(@Nullable String datasetId, Flux<ExperimentItem> items) {
    ExperimentAttributes run = ExperimentAttributes.run(experimentId, runName, settings.description(),
        jsonObject(settings.metadata(), "run metadata"), datasetId);
    return items
        .doOnNext(item -> itemsRead.incrementAndGet())
        .onErrorResume(e -> {
          // Stop reading; the items already running finish, are delivered, and are returned with the error.
          sourceError.set(e);
          return Flux.empty();
        })
        .flatMapSequential(item -> runItem(item, run), settings.concurrency(), 1)
        .collectList()
        .flatMap(results -> {
          progress.finish();
          return runEvaluations(results).flatMap(runOutcome -> tracer.flush()
              .map(flush -> new ExperimentResult(experimentId, runName, datasetId, results,
                  runOutcome.evaluations, runOutcome.failures, Aggregates.of(results),
                  Duration.ofNanos(System.nanoTime() - startNanos), flush)));
        })
        .flatMap(result -> {
          Throwable error = sourceError.get();
          if (error == null) {
            return Mono.just(result);
          }
          String reason = error instanceof ExperimentException ? error.getMessage() : error.toString();
          return Mono.error(new ExperimentException("fluxtrace: experiment '" + settings.name() + "' stopped"
              + " reading items after " + result.items().size() + " item(s), which ran and were delivered: "
              + reason, error, result));
        });
  }

  private Mono<ItemResult> runItem(ExperimentItem item, ExperimentAttributes run) {
    return Mono.deferContextual(context -> {
      ExperimentAttributes experiment = run.withItem(itemId(item), item.version(),
          jsonObject(item.metadata(), "item metadata"), item.expectedOutput() == null ? null
              : json(item.expectedOutput()));
      TraceAttributes attributes = ContextSpans.attributes(context).mergedWith(TraceAttributes.builder()
          .environment(settings.environment())
          .experiment(experiment)
          .build());
      Span root = tracer.startSpan(ROOT_SPAN_NAME, ObservationType.SPAN, null, attributes);
      root.input(item.input());
      root.metadata("experiment_name", settings.name());
      root.metadata("experiment_run_name", runName);
      if (run.datasetId() != null && item.id() != null) {
        root.metadata("dataset_item_id", item.id());
      }
      Function<Context, Context> underRoot = c -> c.put(ContextSpans.SPAN, root)
          .put(ContextSpans.ATTRIBUTES, attributes);
      Mono<Optional<Object>> task = Mono.defer(() -> settings.task().apply(item))
          .<Optional<Object>>map(Optional::of)
          .defaultIfEmpty(Optional.empty());
      Duration timeout = settings.itemTimeout();
      if (timeout != null) {
        task = task.timeout(timeout, Mono.error(() -> new TimeoutException(
            "the task did not finish within " + timeout + " and was cancelled")));
      }
      return task.contextWrite(underRoot)
          .flatMap(output -> {
            Object value = output.orElse(null);
            root.output(value);
            return evaluateItem(item, value, root, attributes)
                .map(outcome -> new ItemResult(item, value, outcome.evaluations, outcome.failures,
                    root.context().traceId(), traceUrl(root), null));
          })
          .onErrorResume(error -> {
            root.endWithError(error);
            return Mono.just(new ItemResult(item, null, List.of(), List.of(), root.context().traceId(),
                traceUrl(root), describe(error)));
          })
          .doOnNext(result -> {
            root.end();
            progress.itemDone(result.failed());
          })
          .doOnCancel(root::endCancelled);
    });
  }

  private Mono<Outcome> evaluateItem(ExperimentItem item, @Nullable Object output, Span root,
      TraceAttributes attributes) {
    if (settings.evaluators().isEmpty()) {
      return Mono.just(Outcome.EMPTY);
    }
    return Flux.fromIterable(settings.evaluators().entrySet())
        .flatMapSequential(entry -> evaluateItem(entry.getKey(), entry.getValue(), item, output, root, attributes))
        .reduce(Outcome.EMPTY, Outcome::plus);
  }

  private Mono<Outcome> evaluateItem(String name, ItemEvaluator evaluator, ExperimentItem item,
      @Nullable Object output, Span root, TraceAttributes attributes) {
    SpanContext parent = root.context();
    Span span = tracer.startSpan(name, ObservationType.EVALUATOR, parent, attributes);
    Map<String, @Nullable Object> judged = new LinkedHashMap<>();
    judged.put("output", output);
    judged.put("expected_output", item.expectedOutput());
    span.input(judged);
    return Mono.defer(() -> evaluator.evaluate(item.input(), output, item.expectedOutput(), item.metadata()))
        .timeout(settings.evaluatorTimeout(), Mono.error(() -> new TimeoutException(
            "the evaluator did not finish within " + settings.evaluatorTimeout() + " and was cancelled")))
        .contextWrite(c -> c.put(ContextSpans.SPAN, span).put(ContextSpans.ATTRIBUTES, attributes))
        .defaultIfEmpty(List.of())
        .map(evaluations -> {
          Outcome outcome = record(name, evaluations, score -> score.traceId(parent.traceId())
              .observationId(parent.spanId()), root.isRecording());
          span.output(outcome.evaluations);
          if (!outcome.failures.isEmpty()) {
            span.statusMessage(outcome.failures.get(0).message());
          }
          span.end();
          return outcome;
        })
        .onErrorResume(error -> {
          span.endWithError(error);
          return Mono.just(new Outcome(List.of(), List.of(new EvaluatorFailure(name, describe(error)))));
        })
        .doOnCancel(span::endCancelled);
  }

  private Mono<Outcome> runEvaluations(List<ItemResult> results) {
    if (settings.runEvaluators().isEmpty()) {
      return Mono.just(Outcome.EMPTY);
    }
    return Flux.fromIterable(settings.runEvaluators().entrySet())
        .flatMapSequential(entry -> evaluateRun(entry.getKey(), entry.getValue(), results))
        .reduce(Outcome.EMPTY, Outcome::plus);
  }

  private Mono<Outcome> evaluateRun(String name, RunEvaluator evaluator, List<ItemResult> results) {
    return Mono.defer(() -> evaluator.evaluate(results))
        .timeout(settings.evaluatorTimeout(), Mono.error(() -> new TimeoutException(
            "the run evaluator did not finish within " + settings.evaluatorTimeout() + " and was cancelled")))
        .defaultIfEmpty(List.of())
        .map(evaluations -> record(name, evaluations, score -> score.datasetRunId(experimentId),
            tracer.isEnabled()))
        .onErrorResume(error -> Mono.just(
            new Outcome(List.of(), List.of(new EvaluatorFailure(name, describe(error))))));
  }

  /**
   * Checks each evaluation by Langfuse's score rules (building the {@link Score} does) and records the valid
   * ones as scores of {@code target}; an invalid one (a NaN, a blank category, an unsupported value) becomes a
   * failure of its evaluator instead of a score.
   */
  private Outcome record(String evaluator, List<Evaluation> evaluations,
      Function<Score.Builder, Score.Builder> target, boolean post) {
    List<Evaluation> valid = new ArrayList<>(evaluations.size());
    List<EvaluatorFailure> failures = new ArrayList<>();
    for (Evaluation evaluation : evaluations) {
      if (evaluation == null) {
        failures.add(new EvaluatorFailure(evaluator, "returned a null evaluation"));
        continue;
      }
      Score score;
      try {
        score = target.apply(builder(evaluation))
            .comment(evaluation.comment())
            .metadata(evaluation.metadata())
            .environment(settings.environment())
            .build();
      } catch (IllegalArgumentException e) {
        failures.add(new EvaluatorFailure(evaluator, "returned an invalid evaluation '" + evaluation.name()
            + "' (value " + evaluation.value() + "), not posted: " + e.getMessage()));
        continue;
      }
      valid.add(evaluation);
      if (post) {
        tracer.score(score);
      }
    }
    return new Outcome(valid, failures);
  }

  private static Score.Builder builder(Evaluation evaluation) {
    Object value = evaluation.value();
    if (value instanceof Boolean bool) {
      return Score.bool(evaluation.name(), bool);
    }
    if (value instanceof Number number) {
      return Score.numeric(evaluation.name(), number.doubleValue());
    }
    if (value instanceof String category) {
      return Score.categorical(evaluation.name(), category);
    }
    throw new IllegalArgumentException("fluxtrace: evaluation value must be a Number, a Boolean or a String, got "
        + value.getClass().getName());
  }

  private @Nullable String traceUrl(Span root) {
    return linkBase != null && root.isRecording() ? linkBase + "/trace/" + root.context().traceId() : null;
  }

  /**
   * The item's id, or for an item from code a stable id from its input (the same input gives the same id in every
   * run, so runs can be compared item by item): 16 hex characters of a 64-bit FNV-1a hash of the input's JSON.
   * Not SHA-256: the JDK's MessageDigest may load its providers from disk on first use, on a non-blocking thread.
   */
  private String itemId(ExperimentItem item) {
    String id = item.id();
    if (id != null) {
      return id;
    }
    long hash = 0xcbf29ce484222325L;
    for (byte b : json(item.input()).getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return String.format("%016x", hash);
  }

  private String json(@Nullable Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (Exception e) {
      try {
        return mapper.writeValueAsString(String.valueOf(value));
      } catch (Exception again) {
        return "null";
      }
    }
  }

  /** Metadata as a JSON object text, or null when empty or over the tracer's value limit (warned once). */
  private @Nullable String jsonObject(Map<String, @Nullable Object> metadata, String what) {
    if (metadata.isEmpty()) {
      return null;
    }
    String json = json(metadata);
    if (json.length() > maxValueBytes / 2 && json.getBytes(StandardCharsets.UTF_8).length > maxValueBytes) {
      if (oversizedWarned.compareAndSet(false, true)) {
        log.warn("fluxtrace: experiment '{}': {} over the tracer's value limit of {} bytes is not sent as a"
            + " span attribute (logged once)", settings.name(), what, maxValueBytes);
      }
      return null;
    }
    return json;
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    return error.getClass().getName() + (message != null ? ": " + message : "");
  }

  private static String withoutTrailingSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** The valid evaluations and the failures of some evaluators. */
  private static final class Outcome {
    static final Outcome EMPTY = new Outcome(List.of(), List.of());

    final List<Evaluation> evaluations;
    final List<EvaluatorFailure> failures;

    Outcome(List<Evaluation> evaluations, List<EvaluatorFailure> failures) {
      this.evaluations = evaluations;
      this.failures = failures;
    }

    Outcome plus(Outcome other) {
      if (other.evaluations.isEmpty() && other.failures.isEmpty()) {
        return this;
      }
      List<Evaluation> e = new ArrayList<>(evaluations);
      e.addAll(other.evaluations);
      List<EvaluatorFailure> f = new ArrayList<>(failures);
      f.addAll(other.failures);
      return new Outcome(e, f);
    }
  }
}
