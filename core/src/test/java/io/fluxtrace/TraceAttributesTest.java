package io.fluxtrace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TraceAttributesTest {

  @Test
  void isEmptyOnlyWhenNothingIsSet() {
    assertThat(TraceAttributes.EMPTY.isEmpty()).isTrue();
    assertThat(TraceAttributes.builder().build().isEmpty()).isTrue();
    assertThat(TraceAttributes.builder().build()).isEqualTo(TraceAttributes.EMPTY);
    List<UnaryOperator<TraceAttributes.Builder>> setters = List.of(
        b -> b.userId("u"), b -> b.sessionId("s"), b -> b.traceName("t"), b -> b.tags("tag"),
        b -> b.metadata("k", "v"), b -> b.release("r"), b -> b.version("v"), b -> b.environment("e"),
        b -> b.isPublic(false));
    for (UnaryOperator<TraceAttributes.Builder> setter : setters) {
      TraceAttributes one = setter.apply(TraceAttributes.builder()).build();
      assertThat(one.isEmpty()).as("%s", one).isFalse();
      assertThat(one).isNotEqualTo(TraceAttributes.EMPTY);
    }
  }

  @Test
  void collectionsAreImmutableCopiesWhetherEmptyOrNot() {
    List<String> tags = new ArrayList<>(List.of("a", "b", "a"));
    Map<String, String> metadata = new LinkedHashMap<>(Map.of("k", "v"));
    TraceAttributes set = new TraceAttributes(null, null, null, tags, metadata, null, null, null, null);
    TraceAttributes empty = new TraceAttributes(null, null, null, new ArrayList<>(), new LinkedHashMap<>(), null,
        null, null, null);
    tags.add("c");
    metadata.put("k2", "v2");

    assertThat(set.tags()).containsExactly("a", "b");
    assertThat(set.metadata()).containsExactly(Map.entry("k", "v"));
    assertThat(empty).isEqualTo(TraceAttributes.EMPTY);
    assertThatThrownBy(() -> empty.tags().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> empty.metadata().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> set.tags().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }
}
