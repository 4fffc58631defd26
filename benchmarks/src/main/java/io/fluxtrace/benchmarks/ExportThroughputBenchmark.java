package io.fluxtrace.benchmarks;

import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Benchmark 4: export throughput end to end, in spans per second: spans started and ended on the benchmark thread,
 * batched, encoded and posted to a {@link LoopbackReceiver} that discards the bodies; an operation ends
 * {@value #SPANS} spans and waits until all are acknowledged (fluxtrace {@code flushBlocking}, OpenTelemetry
 * {@code forceFlush().join}).
 *
 * <ul>
 *   <li>{@code fluxtrace}: fluxtrace's pipeline and OTLP/HTTP JSON exporter (reactor-netty, up to 2 requests in
 *       flight, its default); {@code fluxtraceProtobuf}: the same sending OTLP/HTTP protobuf;
 *   <li>{@code otel}: the OpenTelemetry SDK's {@code BatchSpanProcessor} and {@code OtlpHttpSpanExporter}
 *       (OTLP/HTTP protobuf, its only public encoding; OkHttp sender; one export at a time, its design);
 *   <li>{@code ceiling}: a bare reactor-netty client posting, 2 at a time, a pre-encoded body that fluxtrace sent
 *       (same bytes, same {@code Content-Encoding}) once per {@value Peers#BATCH_SIZE} spans: what the HTTP path
 *       alone allows; {@code ceilingProtobuf} the same with a protobuf body, the ceiling of {@code fluxtraceProtobuf}.
 * </ul>
 *
 * Same for all: {@value Peers#BATCH_SIZE} spans per request, compression as the {@code compression} parameter,
 * each span a generation with model, three usage figures, and input and output of {@code contentChars} characters.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class ExportThroughputBenchmark {

  /** Spans per operation: 20 full batches. */
  static final int SPANS = 20 * Peers.BATCH_SIZE;
  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
  private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  private static final AttributeKey<Long> TOTAL_TOKENS = AttributeKey.longKey("gen_ai.usage.total_tokens");

  /** {@code none} or {@code gzip}, for every variant. */
  @Param({"none"})
  public String compression;

  /** Characters of each span's input and of its output. */
  @Param({"256"})
  public int contentChars;

  private LoopbackReceiver receiver;
  private FluxTracer fluxtracer;
  private FluxTracer fluxtracerProtobuf;
  private SdkTracerProvider otelProvider;
  private Tracer otel;
  private ConnectionProvider ceilingPool;
  private HttpClient ceilingClient;
  private HttpClient ceilingProtobufClient;
  private LoopbackReceiver.CapturedBody capturedBody;
  private LoopbackReceiver.CapturedBody capturedProtobufBody;
  private String input;
  private String output;

  @Setup
  public void setUp() throws Exception {
    boolean gzip = switch (compression) {
      case "gzip" -> true;
      case "none" -> false;
      default -> throw new IllegalArgumentException("compression must be none or gzip: " + compression);
    };
    input = Content.text(contentChars, 1);
    output = Content.text(contentChars, 2);
    receiver = LoopbackReceiver.start();
    fluxtracer = Peers.fluxtrace().otlpEndpoint(receiver.tracesUrl()).gzip(gzip).otlpProtocol("http/json").build();
    fluxtracerProtobuf =
        Peers.fluxtrace().otlpEndpoint(receiver.tracesUrl()).gzip(gzip).otlpProtocol("http/protobuf").build();
    otelProvider = Peers.otel(OtlpHttpSpanExporter.builder()
        .setEndpoint(receiver.tracesUrl())
        .setCompression(gzip ? "gzip" : "none")
        .build());
    otel = otelProvider.get("fluxtrace-benchmarks");

    // The ceiling replays a body that fluxtrace really sent.
    var body = receiver.captureNextBody();
    for (int i = 0; i < Peers.BATCH_SIZE; i++) {
      fluxtraceSpan(i);
    }
    fluxtracer.flushBlocking(Duration.ofSeconds(30));
    capturedBody = body.get(30, TimeUnit.SECONDS);
    var protobufBody = receiver.captureNextBody();
    for (int i = 0; i < Peers.BATCH_SIZE; i++) {
      fluxtraceSpan(fluxtracerProtobuf);
    }
    fluxtracerProtobuf.flushBlocking(Duration.ofSeconds(30));
    capturedProtobufBody = protobufBody.get(30, TimeUnit.SECONDS);
    ceilingPool = ConnectionProvider.builder("ceiling").maxConnections(2).build();
    ceilingClient = ceilingClient(capturedBody);
    ceilingProtobufClient = ceilingClient(capturedProtobufBody);
  }

  private HttpClient ceilingClient(LoopbackReceiver.CapturedBody body) {
    return HttpClient.create(ceilingPool).headers(h -> {
      h.set(HttpHeaderNames.CONTENT_TYPE, body.contentType());
      if (body.contentEncoding() != null) {
        h.set(HttpHeaderNames.CONTENT_ENCODING, body.contentEncoding());
      }
    });
  }

  @TearDown
  public void tearDown() {
    Report.fluxtrace("export " + compression, fluxtracer);
    Report.fluxtrace("export protobuf " + compression, fluxtracerProtobuf);
    fluxtracer.close();
    fluxtracerProtobuf.close();
    Peers.close(otelProvider);
    ceilingPool.disposeLater().block(Duration.ofSeconds(10));
    System.out.printf("[export %s] receiver: requests=%,d bodyBytes=%,d; one fluxtrace body of %d spans: %,d bytes"
        + " (JSON), %,d bytes (protobuf)%n", compression, receiver.requests(), receiver.bodyBytes(), Peers.BATCH_SIZE,
        capturedBody.body().length, capturedProtobufBody.body().length);
    receiver.close();
  }

  private void fluxtraceSpan(int i) {
    fluxtraceSpan(fluxtracer);
  }

  private void fluxtraceSpan(FluxTracer tracer) {
    Span span = tracer.startSpan("generation", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
    span.model(Content.MODEL).input(input);
    span.output(output).usageDetails(Content.USAGE);
    span.end();
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void fluxtrace() {
    for (int i = 0; i < SPANS; i++) {
      fluxtraceSpan(i);
    }
    FlushResult result = fluxtracer.flushBlocking(Duration.ofSeconds(60));
    if (!result.completed()) {
      throw new IllegalStateException("flush did not complete: " + result.stats());
    }
  }

  /** The same as {@link #fluxtrace()}, sent as OTLP/HTTP protobuf. */
  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void fluxtraceProtobuf() {
    for (int i = 0; i < SPANS; i++) {
      fluxtraceSpan(fluxtracerProtobuf);
    }
    FlushResult result = fluxtracerProtobuf.flushBlocking(Duration.ofSeconds(60));
    if (!result.completed()) {
      throw new IllegalStateException("flush did not complete: " + result.stats());
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void otel() {
    for (int i = 0; i < SPANS; i++) {
      io.opentelemetry.api.trace.Span span = otel.spanBuilder("generation").startSpan();
      span.setAttribute(MODEL, Content.MODEL);
      span.setAttribute(OtelReactor.INPUT, input);
      span.setAttribute(OtelReactor.OUTPUT, output);
      span.setAttribute(INPUT_TOKENS, 512L);
      span.setAttribute(OUTPUT_TOKENS, 480L);
      span.setAttribute(TOTAL_TOKENS, 992L);
      span.end();
    }
    if (!otelProvider.forceFlush().join(60, TimeUnit.SECONDS).isSuccess()) {
      throw new IllegalStateException("forceFlush did not succeed");
    }
  }

  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void ceiling() {
    post(ceilingClient, capturedBody.body());
  }

  /** The ceiling of the protobuf wire: the same, posting a protobuf body fluxtrace sent. */
  @Benchmark
  @OperationsPerInvocation(SPANS)
  public void ceilingProtobuf() {
    post(ceilingProtobufClient, capturedProtobufBody.body());
  }

  private void post(HttpClient client, byte[] body) {
    Flux.range(0, SPANS / Peers.BATCH_SIZE)
        .flatMap(i -> client.post()
            .uri(receiver.tracesUrl())
            .send((request, outbound) -> {
              request.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
              return outbound.sendObject(Unpooled.wrappedBuffer(body));
            })
            .responseSingle((response, content) -> {
              if (response.status().code() != 200) {
                return Mono.error(new IllegalStateException("HTTP " + response.status()));
              }
              return content.then(Mono.just(1));
            }), 2)
        .blockLast(Duration.ofSeconds(60));
  }
}
