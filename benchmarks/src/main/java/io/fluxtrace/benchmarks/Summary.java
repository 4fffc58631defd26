package io.fluxtrace.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
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
    for (String file : args) {
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
    ratio(scores, "SpanCostBenchmark", "fluxtraceGeneration", "otelGeneration", "time per span");
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
      }
    }
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
