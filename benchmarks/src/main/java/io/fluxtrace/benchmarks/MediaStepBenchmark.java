package io.fluxtrace.benchmarks;

import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.internal.TracerAccess;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.content.ContentEncoder;
import io.fluxtrace.internal.media.MediaUploader;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.transport.HttpTransport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the media step costs content that holds no media, the common case once media upload is on by default with
 * Langfuse keys: a span's input encoded with the step ({@code media=true}) and without ({@code media=false}), as a
 * plain prompt string and as a chat-style structure of maps and lists. Only the ratio between the two matters.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@SuppressWarnings("NullAway.Init") // JMH calls @Setup before any benchmark method
public class MediaStepBenchmark {

  @Param({"false", "true"})
  public boolean media;

  private FluxTracer tracer;
  private ContentEncoder encoder;
  private ContentEncoder.@Nullable SpanIds span;
  private String prompt;
  private Map<String, Object> chat;

  @Setup
  public void setUp() {
    // A Langfuse configuration whose media API is never called: the content holds no media.
    tracer = FluxTracer.builder(Map.of()).publicKey("pk-lf-bench").secretKey("sk-lf-bench")
        .baseUrl("http://127.0.0.1:9").shutdownHook(false).build();
    TracerConfig config = TracerAccess.config(tracer);
    MediaUploader uploader = media ? MediaUploader.create(config, HttpTransport.create(config.endpoint(),
        config.transport(), config.batching().maxConcurrentExports(), config.media().maxConcurrentUploads())) : null;
    encoder = new ContentEncoder(config.content().objectMapper(), ContentMasker.none(), 1024 * 1024,
        new TracerMetrics(),
        uploader);
    span = encoder.replacesMedia() ? new ContentEncoder.SpanIds("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")
        : null;
    prompt = Content.text(Content.TYPICAL_CHARS, 1);
    chat = Map.of("model", Content.MODEL, "temperature", 0.2, "messages", List.of(
        Map.of("role", "system", "content", Content.text(256, 2)),
        Map.of("role", "user", "content", Content.text(Content.TYPICAL_CHARS / 2, 3)),
        Map.of("role", "assistant", "content", Content.text(Content.TYPICAL_CHARS / 2, 4)),
        Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", Content.text(200, 5))))));
  }

  @TearDown
  public void tearDown() {
    tracer.close();
  }

  @Benchmark
  public @Nullable String promptString() {
    return encoder.encode(ContentKind.INPUT, prompt, span);
  }

  @Benchmark
  public @Nullable String chatStructure() {
    return encoder.encode(ContentKind.INPUT, chat, span);
  }
}
