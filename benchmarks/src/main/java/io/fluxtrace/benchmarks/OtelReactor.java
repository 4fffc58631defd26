package io.fluxtrace.benchmarks;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;
import reactor.util.context.ContextView;

/**
 * The OpenTelemetry peer of a fluxtrace traced step, written as OpenTelemetry's Reactor instrumentation does it
 * (opentelemetry-java-instrumentation {@code reactor-3.1}: {@code ContextPropagationOperator} keeps the
 * OpenTelemetry {@link Context} in the Reactor Context under {@code "otel-context-key"}, and
 * {@code ReactorAsyncOperationEndStrategy} ends the span with {@code doOnEach} on the first terminal signal and with
 * {@code doOnCancel}): read the parent from the {@code ContextView}, start a child, record input, write the child
 * into the upstream Context, and end it on the value, error or cancel.
 */
final class OtelReactor {

  /** The key {@code ContextPropagationOperator.storeOpenTelemetryContext} uses. */
  static final String CONTEXT_KEY = "otel-context-key";
  static final AttributeKey<String> INPUT = AttributeKey.stringKey("langfuse.observation.input");
  static final AttributeKey<String> OUTPUT = AttributeKey.stringKey("langfuse.observation.output");

  private OtelReactor() {}

  /** What a traced Flux records per element and as output, created per subscription. */
  interface StreamObserver<T> {
    /** Called for every element before it is passed on. */
    void onElement(Span span, T element);

    /** The output recorded at the end, or null for none. */
    @Nullable String output();
  }

  /**
   * Traces a Mono as a child of the span in the subscriber's Context.
   *
   * @param input recorded as an attribute, or null for none
   * @param output the recorded output of the value, or null to record none
   */
  static <T> Function<Mono<T>, Mono<T>> mono(
      Tracer tracer, String name, @Nullable String input, @Nullable Function<? super T, String> output) {
    return source -> Mono.deferContextual(view -> {
      Context parent = parent(view);
      Span span = start(tracer, name, parent, input);
      EndOnFirstSignal<T> end = new EndOnFirstSignal<>(span, output, null);
      return source.doOnEach(end).doOnCancel(end::cancel).contextWrite(c -> c.put(CONTEXT_KEY, parent.with(span)));
    });
  }

  /** Traces a Flux as a child of the span in the subscriber's Context, ending it on complete, error or cancel. */
  static <T> Function<Flux<T>, Flux<T>> flux(
      Tracer tracer, String name, @Nullable String input, Supplier<? extends StreamObserver<T>> observers) {
    return source -> Flux.deferContextual(view -> {
      Context parent = parent(view);
      Span span = start(tracer, name, parent, input);
      StreamObserver<T> observer = observers.get();
      EndOnFirstSignal<T> end = new EndOnFirstSignal<>(span, null, observer::output);
      return source
          .doOnNext(element -> observer.onElement(span, element))
          .doOnEach(end)
          .doOnCancel(end::cancel)
          .contextWrite(c -> c.put(CONTEXT_KEY, parent.with(span)));
    });
  }

  private static Context parent(ContextView view) {
    Context parent = view.getOrDefault(CONTEXT_KEY, null);
    return parent != null ? parent : Context.root();
  }

  private static Span start(Tracer tracer, String name, Context parent, @Nullable String input) {
    Span span = tracer.spanBuilder(name).setParent(parent).startSpan();
    if (input != null) {
      span.setAttribute(INPUT, input);
    }
    return span;
  }

  /** Ends the span once, on the first value (of a Mono), error, completion or cancel. */
  private static final class EndOnFirstSignal<T> implements Consumer<Signal<T>> {
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Span span;
    private final @Nullable Function<? super T, String> valueOutput;
    private final @Nullable Supplier<@Nullable String> terminalOutput;

    EndOnFirstSignal(
        Span span, @Nullable Function<? super T, String> valueOutput, @Nullable Supplier<@Nullable String> terminalOutput) {
      this.span = span;
      this.valueOutput = valueOutput;
      this.terminalOutput = terminalOutput;
    }

    @Override
    public void accept(Signal<T> signal) {
      if (signal.isOnNext()) {
        Function<? super T, String> output = valueOutput;
        T value = signal.get();
        if (output != null && value != null && ended.compareAndSet(false, true)) {
          span.setAttribute(OUTPUT, output.apply(value));
          span.end();
        }
      } else if (signal.isOnError() || signal.isOnComplete()) {
        if (ended.compareAndSet(false, true)) {
          Throwable error = signal.getThrowable();
          if (error != null) {
            span.setStatus(StatusCode.ERROR, error.toString());
          }
          recordTerminalOutput();
          span.end();
        }
      }
    }

    void cancel() {
      if (ended.compareAndSet(false, true)) {
        recordTerminalOutput();
        span.end();
      }
    }

    private void recordTerminalOutput() {
      Supplier<@Nullable String> output = terminalOutput;
      String text = output == null ? null : output.get();
      if (text != null) {
        span.setAttribute(OUTPUT, text);
      }
    }
  }
}
