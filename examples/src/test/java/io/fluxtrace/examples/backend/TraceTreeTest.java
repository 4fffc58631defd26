package io.fluxtrace.examples.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** What the demo and the WebFlux sample print for a trace. */
class TraceTreeTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CHAT = "0000000000000002";
  private static final long MS = 1_000_000;
  private static final long T0 = 1_700_000_000_000L * MS;

  @Test
  void rendersATraceJoinedFromACallerAsATreeInStartOrder() {
    Map<String, Object> owner = Map.of("langfuse.user.id", "alice", "langfuse.session.id", "chat-1");
    List<ReceivedSpan> spans = List.of(
        span("0000000000000003", CHAT, "generate", 30, 90, owner, Map.of(
            "langfuse.observation.type", "generation",
            "langfuse.observation.model.name", "fake-gpt-mini",
            "langfuse.observation.usage_details", "{\"input\":22,\"output\":12,\"total\":34}",
            "langfuse.observation.cost_details", "{\"input\":3.3E-6,\"output\":7.2E-6,\"total\":1.05E-5}",
            "langfuse.observation.completion_start_time", "2023-11-14T22:13:20.045000Z")),
        span("0000000000000004", CHAT, "nothing-relevant", 20, 20, owner, Map.of(
            "langfuse.observation.type", "event",
            "langfuse.observation.level", "WARNING",
            "langfuse.observation.status_message", "no document scored 0.3 or more")),
        span(CHAT, "00f067aa0ba902b7", "chat", 0, 100, owner, Map.of(
            "langfuse.observation.type", "chain",
            "langfuse.internal.is_app_root", true,
            "langfuse.observation.input", "\"What is fluxtrace?\"",
            "langfuse.observation.output", "\"A tracer.\"")),
        span("0000000000000001", CHAT, "retrieve", 5, 15, owner, Map.of("langfuse.observation.type", "retriever")));

    assertThat(TraceTree.render(spans)).isEqualTo("""
        trace 4bf92f3577b34da6a3ce929d0e0e4736  user alice  session chat-1
          question: What is fluxtrace?
          answer:   A tracer.
          chain chat  100 ms  in the caller's trace, under its span 00f067aa0ba902b7
          |-- retriever retrieve  10 ms
          |-- event nothing-relevant  WARNING: no document scored 0.3 or more
          `-- generation generate  60 ms  model fake-gpt-mini  usage input=22 output=12 total=34  \
        cost $0.0000105 (input $0.0000033, output $0.0000072)  first token 15 ms
        """);
  }

  @Test
  void saysSoWhenATraceHoldsSpansOfSeveralRequests() {
    List<ReceivedSpan> spans = List.of(
        span(CHAT, null, "chat", 0, 10, Map.of("langfuse.user.id", "user-1"), Map.of()),
        span("0000000000000001", CHAT, "retrieve", 1, 2, Map.of("langfuse.user.id", "user-2"), Map.of()));

    assertThat(TraceTree.render(spans).lines().findFirst().orElseThrow())
        .startsWith("trace " + TRACE + "  MIXED users [")
        .contains("user-1", "user-2");
  }

  private static ReceivedSpan span(String id, @Nullable String parent, String name, long startMs, long endMs,
      Map<String, Object> owner, Map<String, Object> attributes) {
    Map<String, Object> all = new HashMap<>(owner);
    all.putAll(attributes);
    return new ReceivedSpan(TRACE, id, parent, name, T0 + startMs * MS, T0 + endMs * MS, all);
  }
}
