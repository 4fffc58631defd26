package io.fluxtrace.benchmarks;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.management.ThreadMXBean;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.fluxtrace.internal.export.LangfuseAttributes;
import io.fluxtrace.internal.export.OtlpJsonWriter;
import io.fluxtrace.internal.export.OtlpProtoWriter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Encoding one request body of {@value Peers#BATCH_SIZE} generation spans as OTLP/JSON, as OTLP protobuf by
 * fluxtrace's hand-written writer, and as the same protobuf request built with protobuf-java's generated classes
 * ({@link ProtobufJavaWriter}, checked to be the same request), in the
 * encoding thread's own CPU time (so that the figure holds on a loaded machine), median of many rounds, and the
 * body sizes. Content: input and output of {@code contentChars} characters each, already JSON text as the span data
 * factory makes it.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.fluxtrace.benchmarks.WireEncodingHarness [contentChars]</pre>
 */
public final class WireEncodingHarness {

  private WireEncodingHarness() {}

  public static void main(String[] args) {
    int chars = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    LangfuseAttributes mapping = new LangfuseAttributes("benchmarks", "production", "1.0.0", 1024 * 1024);
    OtlpJsonWriter json = new OtlpJsonWriter(mapping);
    OtlpProtoWriter proto = new OtlpProtoWriter(mapping);
    ProtobufJavaWriter protobufJava = new ProtobufJavaWriter(mapping);
    List<SpanData> spans = new ArrayList<>();
    String input = '"' + Content.text(chars, 1).replace("\"", "\\\"").replace("\n", "\\n") + '"';
    String output = '"' + Content.text(chars, 2).replace("\"", "\\\"").replace("\n", "\\n") + '"';
    for (int i = 0; i < Peers.BATCH_SIZE; i++) {
      spans.add(new SpanData(TraceIds.newTraceId(), TraceIds.newSpanId(), null, false, "generation",
          ObservationType.GENERATION, 1_767_323_045_123_456_789L, 1_767_323_046_123_456_789L, ObservationLevel.DEFAULT,
          null, input, output, null, TraceAttributes.EMPTY, new GenerationData(Content.MODEL, null, Content.USAGE,
          Map.of(), 0, null, null)));
    }
    try {
      if (!ExportTraceServiceRequest.parseFrom(protobufJava.encode(spans))
          .equals(ExportTraceServiceRequest.parseFrom(proto.encode(spans)))) {
        throw new IllegalStateException("protobuf-java and fluxtrace's writer disagree on the request");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.out.printf("%d spans, content %,d chars each (input, output)%n", spans.size(), chars);
    System.out.printf("%-13s %14s %18s %14s%n", "wire", "body bytes", "CPU us per body", "ns per span");
    for (int pass = 0; pass < 2; pass++) {
      for (String wire : new String[] {"json", "protobuf", "protobuf-java"}) {
        long[] cpu = new long[200];
        int size = 0;
        for (int r = 0; r < cpu.length; r++) {
          long before = threads.getCurrentThreadCpuTime();
          byte[] body = switch (wire) {
            case "json" -> json.encode(spans);
            case "protobuf" -> proto.encode(spans);
            default -> protobufJava.encode(spans);
          };
          cpu[r] = threads.getCurrentThreadCpuTime() - before;
          size = body.length;
        }
        Arrays.sort(cpu);
        if (pass == 1) { // the first pass warms both up
          System.out.printf("%-13s %,14d %,18d %,14d%n", wire, size, cpu[cpu.length / 2] / 1000,
              cpu[cpu.length / 2] / spans.size());
        }
      }
    }
  }
}
