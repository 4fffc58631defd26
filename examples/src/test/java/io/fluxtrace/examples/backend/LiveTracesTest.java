package io.fluxtrace.examples.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * When the WebFlux sample prints a trace. Time is virtual, so each case says exactly which spans had arrived when
 * the grace period or the wait for a root ran out; renders come in order, so an early, partial render would be the
 * first one seen.
 */
class LiveTracesTest {

  private static final Duration GRACE = Duration.ofMillis(200);
  private static final Duration MAX_WAIT = Duration.ofSeconds(60);
  private static final long MS = 1_000_000;

  private final VirtualTimeScheduler timer = VirtualTimeScheduler.create();
  private final Queue<String> rendered = new ConcurrentLinkedQueue<>();
  private final LiveTraces live = new LiveTraces(GRACE, MAX_WAIT, timer, rendered::add);

  @AfterEach
  void dispose() {
    live.dispose();
    timer.dispose();
  }

  @Test
  void spansArrivingWithinTheGraceOfTheLastOneAreRenderedWithTheirRoot() {
    Duration step = GRACE.multipliedBy(3).dividedBy(5);
    live.accept(List.of(span("a", "0000000000000001", null, "chat", 0)));
    timer.advanceTimeBy(step);
    live.accept(List.of(span("a", "0000000000000002", "0000000000000001", "retrieve", 1)));
    timer.advanceTimeBy(step); // more than the grace since the root, less since the last span
    live.accept(List.of(span("a", "0000000000000003", "0000000000000001", "generate", 2)));
    timer.advanceTimeBy(GRACE);

    assertThat(firstRender()).contains("  span chat  ", "  |-- span retrieve  ", "  `-- span generate  ");
  }

  @Test
  void childrenWaitForTheirRootHoweverLongTheRequestRuns() {
    live.accept(List.of(span("a", "0000000000000002", "0000000000000001", "retrieve", 1)));
    timer.advanceTimeBy(GRACE.multipliedBy(10));
    live.accept(List.of(span("a", "0000000000000001", null, "chat", 0)));
    timer.advanceTimeBy(GRACE);

    assertThat(firstRender()).contains("  span chat  ", "  `-- span retrieve  ");
  }

  @Test
  void spansWhoseRootNeverArrivesAreRenderedOnTheirOwnAfterTheLongestWait() {
    live.accept(List.of(span("a", "0000000000000002", "0000000000000001", "retrieve", 1)));
    timer.advanceTimeBy(MAX_WAIT);

    assertThat(firstRender()).startsWith("trace " + trace("a")).contains("  span retrieve  ")
        .doesNotContain("chat");
  }

  @Test
  void interleavedTracesAreRenderedApart() {
    live.accept(List.of(
        span("a", "0000000000000002", "0000000000000001", "retrieve-a", 1),
        span("b", "0000000000000002", "0000000000000001", "retrieve-b", 1),
        span("a", "0000000000000001", null, "chat-a", 0)));
    timer.advanceTimeBy(GRACE);
    live.accept(List.of(span("b", "0000000000000001", null, "chat-b", 0)));
    timer.advanceTimeBy(GRACE);

    await().atMost(Duration.ofSeconds(10)).until(() -> rendered.size() == 2);
    assertThat(List.copyOf(rendered)).satisfiesExactly(
        a -> assertThat(a).startsWith("trace " + trace("a")).contains("chat-a", "retrieve-a").doesNotContain("-b"),
        b -> assertThat(b).startsWith("trace " + trace("b")).contains("chat-b", "retrieve-b").doesNotContain("-a"));
  }

  private String firstRender() {
    await().atMost(Duration.ofSeconds(10)).until(() -> !rendered.isEmpty());
    return rendered.element();
  }

  private static String trace(String name) {
    return name.repeat(32);
  }

  private static ReceivedSpan span(String trace, String id, @Nullable String parent, String name, long startMs) {
    return new ReceivedSpan(trace(trace), id, parent, name, startMs * MS, (startMs + 10) * MS, Map.of());
  }
}
