package io.fluxtrace.experiments.internal;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.experiments.ExperimentItem;
import io.fluxtrace.experiments.ItemEvaluator;
import io.fluxtrace.experiments.ProgressListener;
import io.fluxtrace.experiments.RunEvaluator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An experiment's validated settings (see {@code Experiment.Builder}). Exactly one of {@code datasetName},
 * {@code items} and {@code itemFlux} is set. Internal: no compatibility promise.
 */
public record RunSettings(
    FluxTracer tracer,
    String name,
    @Nullable String runName,
    @Nullable String description,
    Map<String, @Nullable Object> metadata,
    @Nullable String datasetName,
    @Nullable List<ExperimentItem> items,
    @Nullable Flux<ExperimentItem> itemFlux,
    int pageSize,
    Function<ExperimentItem, ? extends Mono<?>> task,
    Map<String, ItemEvaluator> evaluators,
    Map<String, RunEvaluator> runEvaluators,
    int concurrency,
    @Nullable Duration itemTimeout,
    Duration evaluatorTimeout,
    ProgressListener progress,
    Duration progressInterval,
    String environment) {}
