package io.fluxtrace.benchmarks;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Which gzip level to send with: a request body fluxtrace really sent (512 generation spans, uncompressed), then
 * compressed at each level, timed and sized. The content is varied text drawn from a vocabulary (as prompts and
 * completions are), not a repeated sentence, which would compress unrealistically well.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.fluxtrace.benchmarks.GzipLevelHarness [contentChars]</pre>
 */
public final class GzipLevelHarness {

  private static final String[] WORDS = ("the a to of and in is that for it on with as was by this be are or from at"
      + " an which model token context answer question user assistant retrieval document vector search result"
      + " reactive stream tracing span latency error retry backend request response json protobuf encode batch"
      + " Langfuse OpenTelemetry Reactor Netty pipeline export \"quoted\" 42 3.14 2026 {\"k\": [1, 2]}").split(" ");

  private GzipLevelHarness() {}

  public static void main(String[] args) throws Exception {
    int chars = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
    byte[] body = capture(chars);
    System.out.printf("body of %d spans, content %,d chars each (input, output): %,d bytes uncompressed%n",
        Peers.BATCH_SIZE, chars, body.length);
    System.out.printf("%-6s %12s %8s %14s %16s%n", "level", "bytes", "ratio", "us per body", "MB/s (input)");
    for (int level : new int[] {1, 2, 3, 4, 5, 6, 9}) {
      int rounds = 0;
      long size = 0;
      for (int i = 0; i < 20; i++) { // warm up
        size = compress(body, level);
      }
      long start = System.nanoTime();
      long elapsed;
      do {
        compress(body, level);
        rounds++;
        elapsed = System.nanoTime() - start;
      } while (elapsed < TimeUnit.SECONDS.toNanos(2));
      double micros = elapsed / 1000.0 / rounds;
      System.out.printf("%-6d %,12d %8.2f %,14.0f %16.0f%n", level, size, (double) body.length / size, micros,
          body.length / micros);
    }
  }

  private static long compress(byte[] body, int level) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2);
    Deflater deflater = new Deflater(level, true);
    try (DeflaterOutputStream gzip = new DeflaterOutputStream(out, deflater, 8192)) {
      gzip.write(body);
    } finally {
      deflater.end();
    }
    return out.size() + 18; // gzip header and trailer
  }

  private static byte[] capture(int chars) throws Exception {
    try (LoopbackReceiver receiver = LoopbackReceiver.start()) {
      FluxTracer tracer = Peers.fluxtrace().otlpEndpoint(receiver.tracesUrl()).gzip(false).build();
      var body = receiver.captureNextBody();
      SplittableRandom random = new SplittableRandom(15);
      for (int i = 0; i < Peers.BATCH_SIZE; i++) {
        Span span = tracer.startSpan("generation", ObservationType.GENERATION, null, TraceAttributes.EMPTY);
        span.model(Content.MODEL).input(text(random, chars)).output(text(random, chars)).usageDetails(Content.USAGE);
        span.end();
      }
      tracer.flushBlocking(Duration.ofSeconds(30));
      byte[] captured = body.get(30, TimeUnit.SECONDS).body();
      tracer.close();
      return captured;
    }
  }

  private static String text(SplittableRandom random, int chars) {
    StringBuilder out = new StringBuilder(chars + 16);
    while (out.length() < chars) {
      out.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ".\n" : " ");
    }
    out.setLength(chars);
    return out.toString();
  }
}
