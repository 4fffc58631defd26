package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.FluxTracerBuilder;
import io.fluxtrace.TracerStats;
import io.fluxtrace.testing.LogCapture;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver.ReceivedRequest;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;
import reactor.test.StepVerifier;

/**
 * A tracer exporting over real HTTP to a loopback {@link OtlpReceiver}, with every Reactor log captured from before
 * the tracer was built. Payloads (protobuf by default, JSON when a test asks) are read back with the official OTLP
 * definitions ({@link ReceivedRequest#traces()}, JSON strictly), so whatever the operators recorded must also be a
 * valid OTLP request. Batches are cut only by {@link #flush()}.
 */
final class LoopbackFixture implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(30);

  final LogCapture logs = LogCapture.install();
  final OtlpReceiver receiver = OtlpReceiver.start();
  final FluxTracer tracer;
  final ReactorTracing tracing;

  LoopbackFixture(UnaryOperator<FluxTracerBuilder> settings) {
    this.tracer = settings.apply(FluxTracer.builder(Map.of())
            .publicKey("pk-lf-loopback")
            .secretKey("sk-lf-loopback")
            .baseUrl(receiver.baseUrl())
            .shutdownHook(false)
            .flushAt(10_000)
            .flushInterval(Duration.ofMinutes(1)))
        .build();
    this.tracing = ReactorTracing.create(tracer);
  }

  /** Flushes and returns the counters once everything ended so far is settled. */
  TracerStats flush() {
    FlushResult result = tracer.flushBlocking(WAIT);
    assertThat(result.completed()).as("flush completed").isTrue();
    return result.stats();
  }

  /** Every span received so far, after a flush, each request parsed strictly. */
  List<Span> spans() {
    flush();
    List<Span> spans = new ArrayList<>();
    for (ReceivedRequest request : receiver.requests()) {
      spans.addAll(OtlpJson.spans(request.traces()));
    }
    return spans;
  }

  /** The one received span with this name. */
  Span span(String name) {
    List<Span> named = spans().stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named).as("spans named '%s'", name).hasSize(1);
    return named.get(0);
  }

  /** The attributes of the one received span with this name. */
  Map<String, Object> attributes(String name) {
    return OtlpJson.attributes(span(name));
  }

  /** One attribute of a span, as text. */
  static String text(Map<String, Object> attributes, String key) {
    return (String) Objects.requireNonNull(attributes.get(key), key);
  }

  /**
   * Every request body received so far, decompressed, as text: for what must never be sent. Protobuf carries each
   * string value as its UTF-8 bytes, verbatim, so a substring sent anywhere shows here.
   */
  String payloads() {
    flush();
    StringBuilder all = new StringBuilder();
    receiver.requests().forEach(request -> all.append(request.bodyText()).append('\n'));
    return all.toString();
  }

  /** The traced Mono emits exactly what the plain one does: the same values, the same error instance. */
  static <T> void assertUnchanged(Mono<T> plain, Function<Mono<T>, Mono<T>> operator) {
    List<Signal<T>> expected = signals(plain.flux());
    StepVerifier.create(plain.transform(operator).flux().materialize().collectList())
        .assertNext(actual -> assertThat(actual).isEqualTo(expected))
        .verifyComplete();
  }

  /** The traced Flux emits exactly what the plain one does. */
  static <T> void assertUnchanged(Flux<T> plain, Function<Flux<T>, Flux<T>> operator) {
    List<Signal<T>> expected = signals(plain);
    StepVerifier.create(plain.transform(operator).materialize().collectList())
        .assertNext(actual -> assertThat(actual).isEqualTo(expected))
        .verifyComplete();
  }

  private static <T> List<Signal<T>> signals(Flux<T> flux) {
    return Objects.requireNonNull(flux.materialize().collectList().block(WAIT));
  }

  @Override
  public void close() {
    try {
      tracer.close();
      receiver.close();
    } finally {
      logs.close();
    }
  }
}
