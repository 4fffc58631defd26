package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Flux;

/**
 * Benchmark 2: a streaming generation of {@value #CHUNKS} chunks (a token of text each, usage in the last one, as
 * streaming chat APIs send it), consumed to its end:
 *
 * <ul>
 *   <li>{@code plain}: the Flux untraced;
 *   <li>{@code fluxtrace}: a fluxtrace generation step with model, input, usage taken from the chunks, and the
 *       output reduced by {@code Collectors.joining} (completion start recorded at the first chunk);
 *   <li>{@code otel}: the OpenTelemetry peer doing the same work by hand (span around the Flux as in
 *       {@link OtelReactor}, text appended per chunk, usage and output set as attributes at the end).
 * </ul>
 *
 * One operation is one whole stream; divide the overhead by {@value #CHUNKS} for the cost per chunk.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class StreamingGenerationBenchmark {

  static final int CHUNKS = 100;
  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");

  /** One streamed chunk: a token of text, and usage in the last chunk only. */
  record Chunk(String text, @Nullable Map<String, Long> usage) {}

  private FluxTracer fluxtracer;
  private ReactorTracing tracing;
  private SdkTracerProvider otelProvider;
  private Tracer otel;
  private List<Chunk> chunks;

  @Setup
  public void setUp() {
    fluxtracer = Peers.fluxtraceAcknowledging();
    tracing = ReactorTracing.create(fluxtracer);
    otelProvider = Peers.otel(Peers.otelAcknowledgingExporter());
    otel = otelProvider.get("fluxtrace-benchmarks");
    chunks = new ArrayList<>();
    for (int i = 0; i < CHUNKS; i++) {
      chunks.add(new Chunk("token" + i + ' ', i == CHUNKS - 1 ? Content.USAGE : null));
    }
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("streaming generation", fluxtracer);
    fluxtracer.close();
    Peers.close(otelProvider);
  }

  private Flux<Chunk> stream() {
    return Flux.fromIterable(chunks);
  }

  @Benchmark
  public void plain(Blackhole bh) {
    Consume.flux(stream(), bh);
  }

  @Benchmark
  public void fluxtrace(Blackhole bh) {
    Consume.flux(stream().transform(tracing.generation("chat")
        .model(Content.MODEL)
        .input(CallerPathBenchmark.QUESTION)
        .usage(Chunk::usage)
        .flux(Collectors.mapping(Chunk::text, Collectors.joining()))), bh);
  }

  @Benchmark
  public void otel(Blackhole bh) {
    Consume.flux(stream().transform(OtelReactor.flux(otel, "chat", CallerPathBenchmark.QUESTION, OtelStream::new)), bh);
  }

  /** Appends each chunk's text, records usage from the chunk that carries it, and the text as output. */
  private static final class OtelStream implements OtelReactor.StreamObserver<Chunk> {
    private final StringBuilder text = new StringBuilder();
    private boolean first = true;

    @Override
    public void onElement(Span span, Chunk chunk) {
      if (first) {
        first = false;
        span.setAttribute(MODEL, Content.MODEL);
        span.addEvent("completion_start");
      }
      text.append(chunk.text());
      Map<String, Long> usage = chunk.usage();
      if (usage != null) {
        span.setAttribute(INPUT_TOKENS, usage.getOrDefault("input", 0L));
        span.setAttribute(OUTPUT_TOKENS, usage.getOrDefault("output", 0L));
      }
    }

    @Override
    public String output() {
      return text.toString();
    }
  }
}
