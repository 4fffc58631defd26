package io.fluxtrace.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.SpanData;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

/**
 * A generation over a Flux of chunks: completion start at the first chunk, output reduced by the user's collector,
 * usage from whichever chunks carry it, and an end with what arrived on complete, error or cancel. Time comes from
 * a test clock that the test moves before each signal.
 */
class StreamingGenerationTest {

  record Chunk(String text, @Nullable Map<String, Long> usage) {}

  private final AtomicLong now = new AtomicLong(1_000);
  private final TracingFixture fx = TracingFixture.withClock(now::get);
  private final TestPublisher<Chunk> model = TestPublisher.create();

  @AfterEach
  void close() {
    fx.close();
  }

  private Function<Flux<Chunk>, Flux<Chunk>> answer() {
    return fx.tracing.generation("answer")
        .model("gpt-4o-mini")
        .input("Say hello")
        .usage(Chunk::usage)
        .flux(Collectors.mapping(Chunk::text, Collectors.joining()));
  }

  private void emitAt(long time, Chunk chunk) {
    now.set(time);
    model.next(chunk);
  }

  @Test
  void completionStartAtFirstChunkOutputReducedAndUsageFromTheLastChunk() {
    Chunk last = new Chunk("", Map.of("input", 7L, "output", 2L, "total", 9L));
    StepVerifier.create(model.flux().transform(answer()))
        .then(() -> emitAt(2_000, new Chunk("Hel", null)))
        .expectNext(new Chunk("Hel", null))
        .then(() -> emitAt(3_000, new Chunk("lo", null)))
        .expectNext(new Chunk("lo", null))
        .then(() -> {
          emitAt(4_000, last);
          now.set(5_000);
          model.complete();
        })
        .expectNext(last)
        .verifyComplete();

    SpanData span = fx.span("answer");
    GenerationData generation = Objects.requireNonNull(span.generation());
    assertThat(span.startEpochNanos()).isEqualTo(1_000);
    assertThat(generation.completionStartEpochNanos()).isEqualTo(2_000);
    assertThat(span.endEpochNanos()).isEqualTo(5_000);
    assertThat(span.output()).isEqualTo("\"Hello\"");
    assertThat(span.input()).isEqualTo("\"Say hello\"");
    assertThat(generation.model()).isEqualTo("gpt-4o-mini");
    assertThat(generation.usageDetails()).containsExactlyInAnyOrderEntriesOf(last.usage());
    assertThat(span.level()).isEqualTo(ObservationLevel.DEFAULT);
  }

  @Test
  void usageSpreadOverChunksIsMergedKindByKind() {
    StepVerifier.create(Flux.just(
                new Chunk("a", Map.of("input", 5L)),
                new Chunk("b", null),
                new Chunk("c", Map.of("output", 1L)),
                new Chunk("", Map.of("output", 2L)))
            .transform(answer()))
        .expectNextCount(4)
        .verifyComplete();

    assertThat(Objects.requireNonNull(fx.span("answer").generation()).usageDetails())
        .containsExactlyInAnyOrderEntriesOf(Map.of("input", 5L, "output", 2L));
  }

  @Test
  void aZeroAfterARealValueDoesNotEraseIt() {
    // A naive mapper over a provider that sends zeros between the chunks that carry usage.
    StepVerifier.create(Flux.just(
                new Chunk("a", Map.of("input", 5L)),
                new Chunk("b", Map.of("input", 0L, "output", 0L, "total", 0L)),
                new Chunk("", Map.of("output", 3L)))
            .transform(answer()))
        .expectNextCount(3)
        .verifyComplete();

    assertThat(Objects.requireNonNull(fx.span("answer").generation()).usageDetails())
        .as("per key, the last positive value wins; a key never positive keeps its zero")
        .containsExactlyInAnyOrderEntriesOf(Map.of("input", 5L, "output", 3L, "total", 0L));
  }

  @Test
  void cumulativeUsageRepeatedOnEveryChunkIsNotCountedTwice() {
    // OpenAI through Spring AI: the running totals on every chunk, the last one complete.
    StepVerifier.create(Flux.just(
                new Chunk("Hel", Map.of("input", 7L, "output", 1L, "total", 8L)),
                new Chunk("lo", Map.of("input", 7L, "output", 2L, "total", 9L)),
                new Chunk("", Map.of("input", 7L, "output", 2L, "total", 9L)))
            .transform(answer()))
        .expectNextCount(3)
        .verifyComplete();

    assertThat(Objects.requireNonNull(fx.span("answer").generation()).usageDetails())
        .containsExactlyInAnyOrderEntriesOf(Map.of("input", 7L, "output", 2L, "total", 9L));
  }

  @Test
  void costFollowsTheSameRuleAsUsage() {
    record Priced(String text, Map<String, Double> cost) {}
    StepVerifier.create(Flux.just(
                new Priced("a", Map.of("input", 0.25)),
                new Priced("b", Map.of("input", 0.0, "output", 0.0)),
                new Priced("", Map.of("output", 0.5)))
            .transform(fx.tracing.generation("priced").cost(Priced::cost).flux()))
        .expectNextCount(3)
        .verifyComplete();

    assertThat(Objects.requireNonNull(fx.span("priced").generation()).costDetails())
        .containsExactlyInAnyOrderEntriesOf(Map.of("input", 0.25, "output", 0.5));
  }

  @Test
  void aFilterDownstreamDoesNotHideTheUsageOfTheChunksItDrops() {
    StepVerifier.create(Flux.just(new Chunk("Hi", null), new Chunk("", Map.of("output", 1L)))
            .transform(answer())
            .filter(chunk -> !chunk.text().isEmpty()))
        .expectNext(new Chunk("Hi", null))
        .verifyComplete();

    assertThat(Objects.requireNonNull(fx.span("answer").generation()).usageDetails())
        .containsEntry("output", 1L);
  }

  @Test
  void cancelMidStreamEndsAsWarningWithWhatArrived() {
    StepVerifier.create(model.flux().transform(answer()))
        .then(() -> emitAt(2_000, new Chunk("Hel", null)))
        .expectNextCount(1)
        .then(() -> now.set(3_000))
        .thenCancel()
        .verify();

    SpanData span = fx.span("answer");
    assertThat(span.level()).isEqualTo(ObservationLevel.WARNING);
    assertThat(span.statusMessage()).isEqualTo("cancelled");
    assertThat(span.output()).isEqualTo("\"Hel\"");
    assertThat(span.endEpochNanos()).isEqualTo(3_000);
    assertThat(Objects.requireNonNull(span.generation()).completionStartEpochNanos()).isEqualTo(2_000);
    model.assertCancelled();
  }

  @Test
  void errorMidStreamPassesTheSameExceptionAndKeepsWhatArrived() {
    IllegalStateException overloaded = new IllegalStateException("model overloaded");
    StepVerifier.create(model.flux().transform(answer()))
        .then(() -> emitAt(2_000, new Chunk("Hel", null)))
        .expectNextCount(1)
        .then(() -> model.error(overloaded))
        .expectErrorSatisfies(e -> assertThat(e).isSameAs(overloaded))
        .verify();

    SpanData span = fx.span("answer");
    assertThat(span.level()).isEqualTo(ObservationLevel.ERROR);
    assertThat(span.statusMessage()).isEqualTo("java.lang.IllegalStateException: model overloaded");
    assertThat(span.output()).isEqualTo("\"Hel\"");
  }

  @Test
  void aStreamThatSendsNothingHasNoCompletionStart() {
    StepVerifier.create(Flux.<Chunk>empty().transform(answer())).verifyComplete();

    SpanData span = fx.span("answer");
    assertThat(span.output()).isEqualTo("\"\"");
    assertThat(Objects.requireNonNull(span.generation()).completionStartEpochNanos()).isZero();
  }
}
