package io.fluxtrace.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns JMH JSON results ({@code -rf json}) into the markdown tables of {@code RESULTS.md}: every score as the median
 * of its measurement iterations (this machine is shared, so a single slow iteration moves the mean a lot; JMH's mean
 * and error are shown beside it), allocation per operation, then the ratios to the peers measured in the same run.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.fluxtrace.benchmarks.Summary result.json...}
 */
public final class Summary {

  private Summary() {}

  /** One benchmark result. */
  record Score(String name, String params, double median, double mean, double error, String unit,
      @Nullable Double bytesPerOp) {}

  public static void main(String[] args) throws IOException {
    Map<String, Score> scores = new LinkedHashMap<>();
    ObjectMapper mapper = new ObjectMapper();
    List<String> memoryLog = List.of();
    for (String file : args) {
      if (file.endsWith(".log")) {
        // Harness logs (memory, caller thread): their tables are told apart by their rows.
        List<String> lines = new ArrayList<>(memoryLog);
        lines.addAll(Files.readAllLines(Path.of(file)));
        memoryLog = lines;
        continue;
      }
      for (JsonNode result : mapper.readTree(new File(file))) {
        Score score = score(result);
        scores.put(score.name() + score.params(), score);
      }
    }
    System.out.println("| benchmark | params | median | mean ± error | unit | alloc B/op |");
    System.out.println("|---|---|---:|---:|---|---:|");
    for (Score s : scores.values()) {
      System.out.printf("| %s | %s | %s | %s ± %s | %s | %s |%n", s.name(), s.params(), num(s.median()),
          num(s.mean()), num(s.error()), s.unit(), s.bytesPerOp() == null ? "" : num(s.bytesPerOp()));
    }
    System.out.println();
    System.out.println("| ratio | value | from medians |");
    System.out.println("|---|---:|---|");
    overhead(scores, "CallerPathBenchmark", "fluxtrace", "otel", "plain");
    overhead(scores, "CallerPathBenchmark", "fluxtraceNoContent", "otelNoContent", "plain");
    overhead(scores, "CallerPathBenchmark", "fluxtraceNested", "otelNested", "plainNested");
    ratio(scores, "SpanCostBenchmark", "fluxtraceBare", "otelBare", "time per span");
    ratio(scores, "GenerationCostBenchmark", "fluxtraceGeneration", "otelGeneration", "time per span");
    ratio(scores, "GenerationCostBenchmark", "fluxtraceGeneration100k", "otelGeneration100k", "time per span");
    ratio(scores, "GenerationCostBenchmark", "fluxtraceGeneration100k", "fluxtraceGeneration", "time per span");
    ratio(scores, "HandoffBenchmark", "fluxtrace1Thread", "otel1Thread", "spans/us");
    ratio(scores, "HandoffBenchmark", "fluxtrace2Threads", "otel2Threads", "spans/us");
    overhead(scores, "StreamingGenerationBenchmark", "fluxtrace", "otel", "plain");
    ratio(scores, "DisabledTracingBenchmark", "fluxtraceDisabled", "plain", "time per step");
    ratio(scores, "DisabledTracingBenchmark", "fluxtraceSampledOut", "plain", "time per step");
    ratio(scores, "DisabledTracingBenchmark", "otelNoop", "plain", "time per step");
    ratio(scores, "TailSamplingBenchmark", "tailRate10", "headRate10", "time per trace");
    ratio(scores, "TailSamplingBenchmark", "tailRate10Failing", "recordAll", "time per trace");
    ratio(scores, "DisabledTracingBenchmark", "otelSampledOut", "plain", "time per step");
    ratio(scores, "DisabledTracingBenchmark", "fluxtraceDisabledFlux", "plainFlux", "time per 100 elements");
    ratio(scores, "DisabledTracingBenchmark", "fluxtraceSampledOutFlux", "plainFlux", "time per 100 elements");
    for (Score s : scores.values()) {
      if (s.name().equals("ExportThroughputBenchmark.fluxtrace")) {
        ratio(scores, "ExportThroughputBenchmark", "fluxtrace", "otel", s.params(), "spans/s");
        ratio(scores, "ExportThroughputBenchmark", "fluxtrace", "ceiling", s.params(), "spans/s");
        ratio(scores, "ExportThroughputBenchmark", "otel", "ceiling", s.params(), "spans/s");
        ratio(scores, "ExportThroughputBenchmark", "fluxtraceProtobuf", "otel", s.params(), "spans/s");
        ratio(scores, "ExportThroughputBenchmark", "fluxtraceProtobuf", "ceilingProtobuf", s.params(), "spans/s");
        ratio(scores, "ExportThroughputBenchmark", "fluxtraceProtobuf", "fluxtrace", s.params(), "spans/s");
      }
    }
    aims(scores, memoryLog);
  }

  /** The aims of issue #15, each as a ratio to its peer in this run, with whether it is met. */
  private static void aims(Map<String, Score> scores, List<String> memoryLog) {
    System.out.println();
    System.out.println("| aim (issue #15) | value | target | met |");
    System.out.println("|---|---:|---|---|");
    aim("generation with 2 KB content / OTel", value(scores, "GenerationCostBenchmark", "fluxtraceGeneration",
        "otelGeneration", ""), "<= 1.0", true, 1.0);
    // CallerThreadCost's table: tracer, prompt size, unit, CPU ns per span, bytes per span. The caller thread's own
    // CPU time: the JMH time of a 100 KB generation also counts the export threads encoding it on the same cores.
    Map<String, Double> callerCpu = new LinkedHashMap<>();
    for (String line : memoryLog) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length == 5 && (columns[0].equals("fluxtrace") || columns[0].equals("otel"))
          && columns[2].equals("KB")) {
        callerCpu.put(columns[0] + " " + columns[1], Double.parseDouble(columns[3].replace(",", "")));
      }
    }
    Double ours2k = callerCpu.get("fluxtrace 2");
    Double theirs2k = callerCpu.get("otel 2");
    if (ours2k != null && theirs2k != null) {
      aim("generation with 2 KB content / OTel, caller thread's CPU (CallerThreadCost)", ours2k / theirs2k,
          "<= 1.0", true, 1.0);
    }
    Double ours100k = callerCpu.get("fluxtrace 100");
    Double theirs100k = callerCpu.get("otel 100");
    if (ours100k != null && theirs100k != null) {
      System.out.printf("| caller-thread CPU of a generation with a 100 KB prompt (CallerThreadCost) | %s ns"
          + " (OTel %s ns) | stated | |%n", num(ours100k), num(theirs100k));
    }
    aim("caller-path overhead / OTel's (over plain)", overheadValue(scores, "CallerPathBenchmark", "fluxtrace", "otel",
        "plain"), "<= 0.5", true, 0.5);
    aim("streaming generation overhead / OTel's (over plain)", overheadValue(scores, "StreamingGenerationBenchmark",
        "fluxtrace", "otel", "plain"), "<= 0.8", true, 0.8);
    for (Score s : scores.values()) {
      if (s.name().startsWith("ExportThroughputBenchmark.fluxtrace")) {
        String variant = s.name().substring("ExportThroughputBenchmark.".length());
        // Each wire against the ceiling of its own bodies: posting protobuf bodies, which are smaller, is faster.
        String ceiling = variant.endsWith("Protobuf") ? "ceilingProtobuf" : "ceiling";
        aim("export " + variant + " [" + s.params() + "] / bare ceiling", value(scores, "ExportThroughputBenchmark",
            variant, ceiling, s.params()), ">= 0.5 (aiming at 0.8)", false, 0.5);
        aim("export " + variant + " [" + s.params() + "] / OTel's exporter", value(scores,
            "ExportThroughputBenchmark", variant, "otel", s.params()), ">= 5", false, 5);
      }
    }
    aim("sampled-out Mono step / plain", value(scores, "DisabledTracingBenchmark", "fluxtraceSampledOut", "plain", ""),
        "<= 2", true, 2);
    Score disabled = find(scores, "DisabledTracingBenchmark.fluxtraceDisabled", "");
    Score plain = find(scores, "DisabledTracingBenchmark.plain", "");
    if (disabled != null && plain != null) {
      double difference = disabled.median() - plain.median();
      double noise = Math.max(disabled.error(), plain.error());
      System.out.printf("| disabled Mono step - plain | %s %s (error ±%s) | within noise | %s |%n", num(difference),
          disabled.unit(), num(noise), Math.abs(difference) <= noise ? "met" : "missed");
    }
    // The memory harness's table: text, chars, spans, estimate/span, heap/span, heap/estimate (blocked), ...
    for (String line : memoryLog) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length >= 6 && (columns[0].equals("ASCII") || columns[0].equals("CJK")) && columns[1].equals("2,048")) {
        double ratio = Double.parseDouble(columns[5]);
        aim("retained heap / estimate per queued span, 2 KB " + columns[0] + " (exporter blocked)", ratio,
            "1/1.1 to 1.1", true, 1.1);
      }
    }
  }

  private static void aim(String what, @Nullable Double value, String target, boolean atMost, double bound) {
    if (value == null) {
      return;
    }
    boolean met = atMost ? value <= bound && value >= (target.startsWith("1/") ? 1 / bound : 0) : value >= bound;
    String verdict = met ? "met" : String.format("missed by %.2fx", atMost ? value / bound : bound / value);
    System.out.printf("| %s | %.2f | %s | %s |%n", what, value, target, verdict);
  }

  private static @Nullable Double value(Map<String, Score> scores, String bench, String a, String b, String params) {
    Score x = find(scores, bench + "." + a, params);
    Score y = find(scores, bench + "." + b, params);
    return x == null || y == null ? null : x.median() / y.median();
  }

  private static @Nullable Double overheadValue(
      Map<String, Score> scores, String bench, String ours, String peer, String baseline) {
    Score o = find(scores, bench + "." + ours, "");
    Score p = find(scores, bench + "." + peer, "");
    Score b = find(scores, bench + "." + baseline, "");
    return o == null || p == null || b == null ? null : (o.median() - b.median()) / (p.median() - b.median());
  }

  private static Score score(JsonNode result) {
    String benchmark = result.get("benchmark").asText();
    String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
    StringBuilder params = new StringBuilder();
    JsonNode p = result.get("params");
    if (p != null) {
      Iterator<Map.Entry<String, JsonNode>> fields = p.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        params.append(params.length() == 0 ? "" : ",").append(field.getKey()).append('=')
            .append(field.getValue().asText());
      }
    }
    JsonNode primary = result.get("primaryMetric");
    List<Double> raw = new ArrayList<>();
    for (JsonNode fork : primary.get("rawData")) {
      for (JsonNode value : fork) {
        raw.add(value.asDouble());
      }
    }
    double[] values = raw.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double median = values.length == 0 ? Double.NaN : values.length % 2 == 1 ? values[values.length / 2]
        : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    JsonNode secondary = result.get("secondaryMetrics");
    Double alloc = null;
    if (secondary != null && secondary.has("gc.alloc.rate.norm")) {
      alloc = secondary.get("gc.alloc.rate.norm").get("score").asDouble();
    }
    double error = primary.get("scoreError").asDouble();
    return new Score(name, params.toString(), median, primary.get("score").asDouble(), Double.isNaN(error) ? 0 : error,
        primary.get("scoreUnit").asText(), alloc);
  }

  /** (traced - baseline) of fluxtrace over (traced - baseline) of the peer, for times. */
  private static void overhead(Map<String, Score> scores, String bench, String ours, String peer, String baseline) {
    Score o = find(scores, bench + "." + ours, "");
    Score p = find(scores, bench + "." + peer, "");
    Score b = find(scores, bench + "." + baseline, "");
    if (o == null || p == null || b == null) {
      return;
    }
    double ourOverhead = o.median() - b.median();
    double peerOverhead = p.median() - b.median();
    System.out.printf("| %s: overhead %s / %s (over %s) | %.2f | %s vs %s %s |%n", bench, ours, peer, baseline,
        ourOverhead / peerOverhead, num(ourOverhead), num(peerOverhead), o.unit());
  }

  private static void ratio(Map<String, Score> scores, String bench, String a, String b, String what) {
    ratio(scores, bench, a, b, "", what);
  }

  private static void ratio(Map<String, Score> scores, String bench, String a, String b, String params, String what) {
    Score x = find(scores, bench + "." + a, params);
    Score y = find(scores, bench + "." + b, params);
    if (x == null || y == null) {
      return;
    }
    System.out.printf("| %s%s: %s / %s | %.2f | %s vs %s %s (%s) |%n", bench, params.isEmpty() ? "" : " [" + params + "]",
        a, b, x.median() / y.median(), num(x.median()), num(y.median()), x.unit(), what);
  }

  private static @Nullable Score find(Map<String, Score> scores, String name, String params) {
    return scores.get(name + params);
  }

  private static String num(double value) {
    double abs = Math.abs(value);
    if (abs >= 100) {
      return String.format("%,.0f", value);
    }
    if (abs >= 10) {
      return String.format("%.1f", value);
    }
    return String.format("%.2f", value);
  }
}
