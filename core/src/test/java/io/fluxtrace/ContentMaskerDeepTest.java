package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.export.InMemorySpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * {@link ContentMasker#deep}: a string function applied at every depth of maps, lists, arrays, records, Optionals
 * and Jackson trees, on a copy, with the string's name; cycles mask the whole value; and, through a tracer, the
 * exported input carries the masked copy.
 */
class ContentMaskerDeepTest {

  private static final Pattern CARD = Pattern.compile("\\d{4}-\\d{4}-\\d{4}-\\d{4}");

  private static @Nullable String mask(@Nullable String name, String text) {
    return "apiKey".equals(name) ? "***" : CARD.matcher(text).replaceAll("****");
  }

  private final ContentMasker masker = ContentMasker.deep(ContentMaskerDeepTest::mask);

  record Card(String holder, String number, int expiryYear) {}

  record Request(String question, Map<String, Object> settings, List<Card> cards, Optional<String> note) {}

  @Test
  void masksStringsAtEveryDepthByValueAndByName() {
    Request request = new Request("pay with 4111-1111-1111-1111",
        Map.of("apiKey", "sk-secret", "retries", 3),
        List.of(new Card("Ada", "4111-1111-1111-1111", 2030)),
        Optional.of("card 5500-0000-0000-0004"));

    Object masked = masker.mask(ContentKind.INPUT, request);

    assertThat(masked).isEqualTo(Map.of(
        "question", "pay with ****",
        "settings", Map.of("apiKey", "***", "retries", 3),
        "cards", List.of(Map.of("holder", "Ada", "number", "****", "expiryYear", 2030)),
        "note", Optional.of("card ****")));
  }

  @Test
  void masksTopLevelStringsArraysAndJacksonTrees() throws Exception {
    assertThat(masker.mask(ContentKind.STATUS_MESSAGE, "declined: 4111-1111-1111-1111"))
        .isEqualTo("declined: ****");
    assertThat(masker.mask(ContentKind.OUTPUT, new Object[] {"4111-1111-1111-1111", 7}))
        .isEqualTo(List.of("****", 7));
    Object tree = new ObjectMapper().readTree("{\"apiKey\":\"sk\",\"items\":[\"4111-1111-1111-1111\",1,true]}");
    assertThat(masker.mask(ContentKind.METADATA, tree))
        .isEqualTo(Map.of("apiKey", "***", "items", List.of("****", new ObjectMapper().readTree("1"),
            new ObjectMapper().readTree("true"))));
  }

  @Test
  void leavesTheApplicationsObjectsUnchanged() {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("apiKey", "sk-secret");
    List<Object> list = new ArrayList<>(List.of("4111-1111-1111-1111"));
    input.put("list", list);

    masker.mask(ContentKind.INPUT, input);

    assertThat(input).containsEntry("apiKey", "sk-secret");
    assertThat(list).containsExactly("4111-1111-1111-1111");
  }

  @Test
  void aCycleMakesTheMaskerThrowSoTheWholeValueIsReplaced() {
    List<Object> cycle = new ArrayList<>();
    cycle.add("x");
    cycle.add(cycle);

    assertThatThrownBy(() -> masker.mask(ContentKind.INPUT, cycle))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("64 levels");
  }

  @Test
  void theExportedInputIsTheMaskedCopyAndACycleIsSentAsTheFailureMarker() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    List<Object> cycle = new ArrayList<>();
    cycle.add(cycle);
    try (FluxTracer tracer = FluxTracer.builder(Map.of()).shutdownHook(false).exporter(exporter).masker(masker)
        .build()) {
      tracer.startSpan("pay", ObservationType.SPAN, null, TraceAttributes.EMPTY)
          .input(Map.of("apiKey", "sk-secret", "card", "4111-1111-1111-1111"))
          .output(cycle)
          .end();
      FlushResult result = tracer.flushBlocking(Duration.ofSeconds(30));

      assertThat(result.completed()).isTrue();
      SpanData span = exporter.spans().get(0);
      assertThat(span.input()).contains("\"apiKey\":\"***\"").contains("\"card\":\"****\"")
          .doesNotContain("sk-secret").doesNotContain("4111");
      assertThat(span.output()).isEqualTo("\"" + ContentMasker.FAILED_MARKER + "\"");
      assertThat(result.stats().maskingFailures()).isEqualTo(1);
    }
  }
}
