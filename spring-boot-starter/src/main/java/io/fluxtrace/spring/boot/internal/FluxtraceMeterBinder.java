package io.fluxtrace.spring.boot.internal;

import io.fluxtrace.FailureReason;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ScoreStats;
import io.fluxtrace.TracerStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Every {@link TracerStats} and {@link ScoreStats} figure as a Micrometer meter: monotonic counts as function
 * counters, what is in the pipeline now as gauges. Tags are bounded enums only ({@code reason}: a
 * {@link FailureReason} in lower case; {@code cause}: why something was dropped), so cardinality is fixed. The
 * figures are read from the tracer when the registry asks (a scrape), never pushed from the span path.
 */
public final class FluxtraceMeterBinder implements MeterBinder {

  private final FluxTracer tracer;

  public FluxtraceMeterBinder(FluxTracer tracer) {
    this.tracer = tracer;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    counter(registry, "fluxtrace.spans.started", "Recording spans started", null, s -> s.spansStarted());
    counter(registry, "fluxtrace.spans.ended", "Recording spans ended", null, s -> s.spansEnded());
    counter(registry, "fluxtrace.spans.enqueued", "Spans accepted into the export pipeline", null, s -> s.enqueued());
    counter(registry, "fluxtrace.spans.exported", "Spans the backend acknowledged", null, s -> s.exported());
    for (FailureReason reason : FailureReason.values()) {
      FunctionCounter.builder("fluxtrace.spans.failed", tracer, t -> t.stats().failed(reason))
          .description("Spans that definitively failed to export")
          .tag("reason", tag(reason))
          .register(registry);
    }
    dropped(registry, "fluxtrace.spans.dropped", "Spans dropped", "queue_full", s -> s.droppedQueueFull());
    dropped(registry, "fluxtrace.spans.dropped", "Spans dropped", "after_close", s -> s.droppedAfterClose());
    counter(registry, "fluxtrace.export.retries", "Export attempts that were retries", null, s -> s.retries());
    counter(registry, "fluxtrace.export.requests", "Export requests that completed, whatever the outcome", null,
        s -> s.batches());
    counter(registry, "fluxtrace.export.sent", "Request body bytes sent, after compression", BaseUnits.BYTES,
        s -> s.bytesSent());
    gauge(registry, "fluxtrace.spans.queued", "Spans in the pipeline now (queued, batched or in flight)", null,
        s -> s.queuedSpans());
    gauge(registry, "fluxtrace.spans.queued.size", "Estimated bytes of the spans in the pipeline now",
        BaseUnits.BYTES, s -> s.queuedBytes());
    counter(registry, "fluxtrace.spans.sampled.out", "Recorded spans of traces tail sampling sampled out", null,
        s -> s.sampling().spansSampledOut());
    gauge(registry, "fluxtrace.spans.held", "Spans tail sampling holds now, until their trace is decided", null,
        s -> s.sampling().heldSpans());
    counter(registry, "fluxtrace.spans.mutations.after.end", "Changes to spans after they ended, ignored", null,
        s -> s.mutationsAfterEnd());
    counter(registry, "fluxtrace.content.replaced", "Values that could not be serialized and were replaced", null,
        s -> s.contentReplaced());
    counter(registry, "fluxtrace.content.truncated", "Values truncated to the configured maximum size", null,
        s -> s.contentTruncated());
    counter(registry, "fluxtrace.content.masking.failures", "Values the masking hook threw on, replaced by a marker",
        null, s -> s.maskingFailures());
    counter(registry, "fluxtrace.content.invalid", "Usage or cost figures dropped because the backend would reject"
        + " them", null, s -> s.invalidValuesDropped());

    scoreCounter(registry, "fluxtrace.scores.recorded", "Scores recorded", s -> s.recorded());
    scoreCounter(registry, "fluxtrace.scores.enqueued", "Scores accepted into the score pipeline", s -> s.enqueued());
    scoreCounter(registry, "fluxtrace.scores.exported", "Scores the backend acknowledged", s -> s.exported());
    for (FailureReason reason : FailureReason.values()) {
      FunctionCounter.builder("fluxtrace.scores.failed", tracer, t -> t.stats().scores().failed(reason))
          .description("Scores that definitively failed to export")
          .tag("reason", tag(reason))
          .register(registry);
    }
    scoreDropped(registry, "queue_full", s -> s.droppedQueueFull());
    scoreDropped(registry, "after_close", s -> s.droppedAfterClose());
    scoreDropped(registry, "no_exporter", s -> s.droppedNoExporter());
    scoreDropped(registry, "sampled_out", s -> s.droppedSampledOut());
    scoreCounter(registry, "fluxtrace.scores.retries", "Times a score was sent again after a retryable answer",
        s -> s.retries());
    Gauge.builder("fluxtrace.scores.queued", tracer, t -> t.stats().scores().queued())
        .description("Scores in the pipeline now (queued, batched or in flight)")
        .register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description, @Nullable String baseUnit,
      ToDoubleFunction<TracerStats> figure) {
    FunctionCounter.Builder<FluxTracer> builder =
        FunctionCounter.builder(name, tracer, t -> figure.applyAsDouble(t.stats())).description(description);
    if (baseUnit != null) {
      builder.baseUnit(baseUnit);
    }
    builder.register(registry);
  }

  private void gauge(MeterRegistry registry, String name, String description, @Nullable String baseUnit,
      ToDoubleFunction<TracerStats> figure) {
    Gauge.Builder<FluxTracer> builder =
        Gauge.builder(name, tracer, t -> figure.applyAsDouble(t.stats())).description(description);
    if (baseUnit != null) {
      builder.baseUnit(baseUnit);
    }
    builder.register(registry);
  }

  private void dropped(MeterRegistry registry, String name, String description, String cause,
      ToDoubleFunction<TracerStats> figure) {
    FunctionCounter.builder(name, tracer, t -> figure.applyAsDouble(t.stats()))
        .description(description)
        .tag("cause", cause)
        .register(registry);
  }

  private void scoreCounter(MeterRegistry registry, String name, String description,
      ToDoubleFunction<ScoreStats> figure) {
    FunctionCounter.builder(name, tracer, t -> figure.applyAsDouble(t.stats().scores()))
        .description(description)
        .register(registry);
  }

  private void scoreDropped(MeterRegistry registry, String cause, ToDoubleFunction<ScoreStats> figure) {
    FunctionCounter.builder("fluxtrace.scores.dropped", tracer, t -> figure.applyAsDouble(t.stats().scores()))
        .description("Scores dropped")
        .tag("cause", cause)
        .register(registry);
  }

  private static String tag(FailureReason reason) {
    return reason.name().toLowerCase(Locale.ROOT);
  }
}
