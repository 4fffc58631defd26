package io.fluxtrace.examples.backend;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Renders the spans of one trace as an indented tree: a header with the trace id, user and session, the root's
 * input and output, then one line per span with its type, name and duration, and for generations the model,
 * usage, cost and time to first token. Levels other than DEFAULT are shown with the status message.
 *
 * <pre>
 * trace 0af7651916cd43dd8448eb211c80319c  user-1  session-1
 *   question: What is fluxtrace?
 *   answer:   fluxtrace traces Project Reactor pipelines and exports them to Langfuse over OTLP/HTTP.
 *   chain chat  171 ms
 *   |-- retriever retrieve  3 ms
 *   |-- tool rerank  1 ms
 *   `-- generation generate  164 ms  model fake-gpt-mini  usage input=28 output=13 total=41  cost $0.0000120 ...
 * </pre>
 */
public final class TraceTree {

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final int MAX_TEXT = 100;

  private TraceTree() {}

  /** The tree of {@code spans}, which belong to one trace and may come in any order; lines end with {@code \n}. */
  public static String render(List<ReceivedSpan> spans) {
    if (spans.isEmpty()) {
      return "";
    }
    List<ReceivedSpan> byStart = spans.stream()
        .sorted(Comparator.comparingLong(ReceivedSpan::startEpochNanos))
        .toList();
    Set<String> ids = byStart.stream().map(ReceivedSpan::spanId).collect(Collectors.toSet());
    // A root has no parent here: none at all, or a remote one (the caller of an incoming traceparent).
    List<ReceivedSpan> roots = byStart.stream()
        .filter(s -> s.parentSpanId() == null || !ids.contains(s.parentSpanId()))
        .toList();
    StringBuilder out = new StringBuilder();
    out.append("trace ").append(byStart.get(0).traceId()).append("  ").append(owners(byStart)).append('\n');
    ReceivedSpan first = roots.get(0);
    appendText(out, "question", first.text("langfuse.observation.input"));
    appendText(out, "answer", first.text("langfuse.observation.output"));
    for (ReceivedSpan root : roots) {
      out.append("  ").append(line(root)).append('\n');
      appendChildren(out, root, byStart, "  ");
    }
    return out.toString();
  }

  private static void appendChildren(StringBuilder out, ReceivedSpan parent, List<ReceivedSpan> all, String indent) {
    List<ReceivedSpan> children = all.stream()
        .filter(s -> parent.spanId().equals(s.parentSpanId()))
        .toList();
    for (Iterator<ReceivedSpan> it = children.iterator(); it.hasNext(); ) {
      ReceivedSpan child = it.next();
      boolean last = !it.hasNext();
      out.append(indent).append(last ? "`-- " : "|-- ").append(line(child)).append('\n');
      appendChildren(out, child, all, indent + (last ? "    " : "|   "));
    }
  }

  /** The user and session of the trace; more than one of either means spans of several requests were mixed. */
  private static String owners(List<ReceivedSpan> spans) {
    Set<String> users = new HashSet<>();
    Set<String> sessions = new HashSet<>();
    for (ReceivedSpan span : spans) {
      users.add(String.valueOf(span.userId()));
      sessions.add(String.valueOf(span.sessionId()));
    }
    if (users.size() > 1 || sessions.size() > 1) {
      return "MIXED users " + users + " sessions " + sessions;
    }
    return "user " + users.iterator().next() + "  session " + sessions.iterator().next();
  }

  private static String line(ReceivedSpan span) {
    StringJoiner line = new StringJoiner("  ");
    line.add(span.type() + " " + span.name());
    if (!span.type().equals("event")) {
      line.add(span.durationMillis() + " ms");
    }
    if (span.isAppRoot()) {
      line.add("in the caller's trace, under its span " + span.parentSpanId());
    }
    String model = span.text("langfuse.observation.model.name");
    if (model != null) {
      line.add("model " + model);
    }
    Map<String, BigDecimal> usage = numbers(span.text("langfuse.observation.usage_details"));
    if (!usage.isEmpty()) {
      line.add("usage " + usage.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue().toPlainString())
          .collect(Collectors.joining(" ")));
    }
    Map<String, BigDecimal> cost = numbers(span.text("langfuse.observation.cost_details"));
    BigDecimal total = cost.remove("total");
    if (total != null || !cost.isEmpty()) {
      String parts = cost.entrySet().stream()
          .map(e -> e.getKey() + " $" + e.getValue().toPlainString())
          .collect(Collectors.joining(", "));
      String shown = total == null ? parts : "$" + total.toPlainString() + (parts.isEmpty() ? "" : " (" + parts + ")");
      line.add("cost " + shown);
    }
    Long firstToken = firstTokenMillis(span);
    if (firstToken != null) {
      line.add("first token " + firstToken + " ms");
    }
    if (!span.level().equals("DEFAULT")) {
      String message = span.text("langfuse.observation.status_message");
      line.add(span.level() + (message != null ? ": " + message : ""));
    }
    return line.toString();
  }

  private static void appendText(StringBuilder out, String label, @Nullable String json) {
    if (json == null) {
      return;
    }
    String text = json;
    try {
      JsonNode node = JSON.readTree(json);
      if (node != null && node.isTextual()) {
        text = node.asText();
      }
    } catch (IOException e) {
      // Not JSON after all: show it as it came.
    }
    text = text.replace('\n', ' ');
    out.append(String.format(Locale.ROOT, "  %-9s %s\n", label + ":",
        text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "..." : text));
  }

  /** A JSON object of numbers, such as usage or cost details, in its order; empty when absent or malformed. */
  private static Map<String, BigDecimal> numbers(@Nullable String json) {
    Map<String, BigDecimal> numbers = new LinkedHashMap<>();
    if (json == null) {
      return numbers;
    }
    try {
      JsonNode node = Objects.requireNonNullElse(JSON.readTree(json), JSON.nullNode());
      List<String> keys = new ArrayList<>();
      node.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) {
        JsonNode value = node.get(key);
        if (value.isNumber()) {
          numbers.put(key, value.decimalValue().stripTrailingZeros());
        }
      }
    } catch (IOException e) {
      numbers.clear();
    }
    return numbers;
  }

  private static @Nullable Long firstTokenMillis(ReceivedSpan span) {
    String completionStart = span.text("langfuse.observation.completion_start_time");
    if (completionStart == null) {
      return null;
    }
    try {
      Instant at = Instant.parse(completionStart);
      long nanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
      return (nanos - span.startEpochNanos()) / 1_000_000;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
