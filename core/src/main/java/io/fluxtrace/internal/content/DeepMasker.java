package io.fluxtrace.internal.content;

import com.fasterxml.jackson.databind.JsonNode;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The masker behind {@link ContentMasker#deep}: applies a string function to every string inside a value, walking
 * maps, collections, object arrays, records, {@code Optional} and Jackson trees, and returns a masked copy (maps and
 * records become maps, collections and arrays become lists, which serialize to the same JSON). Other values pass
 * unchanged. The value the application passed is never modified.
 *
 * <p>A structure deeper than {@value #MAX_DEPTH} levels (usually a cycle) makes the masker throw, so the whole
 * value is replaced by {@link ContentMasker#FAILED_MARKER}: nothing leaves unmasked.
 *
 * <p>Internal: no compatibility promise.
 */
public final class DeepMasker implements ContentMasker {

  /** Nesting beyond which the masker gives up (and the value is replaced by the failure marker). */
  static final int MAX_DEPTH = 64;

  private final BiFunction<@Nullable String, String, @Nullable String> strings;

  /**
   * A masker that applies {@code strings} to every string inside a value.
   *
   * @param strings receives the name of the string (its map key or record component, null for the value itself
   *     and for list elements) and the string; returns its replacement
   */
  public DeepMasker(BiFunction<@Nullable String, String, @Nullable String> strings) {
    this.strings = Objects.requireNonNull(strings, "strings");
  }

  @Override
  public @Nullable Object mask(ContentKind kind, Object value) {
    return walk(null, value, 0);
  }

  private @Nullable Object walk(@Nullable String name, @Nullable Object value, int depth) {
    if (value == null) {
      return null;
    }
    if (value instanceof CharSequence text) {
      return strings.apply(name, text.toString());
    }
    checkDepth(depth);
    int next = depth + 1;
    if (value instanceof Map<?, ?> map) {
      Map<Object, @Nullable Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        Object key = e.getKey();
        copy.put(key, walk(key == null ? null : key.toString(), e.getValue(), next));
      }
      return copy;
    }
    if (value instanceof Collection<?> collection) {
      List<@Nullable Object> copy = new ArrayList<>(collection.size());
      for (Object element : collection) {
        copy.add(walk(null, element, next));
      }
      return copy;
    }
    if (value instanceof Object[] array) {
      List<@Nullable Object> copy = new ArrayList<>(array.length);
      for (Object element : array) {
        copy.add(walk(null, element, next));
      }
      return copy;
    }
    if (value instanceof Optional<?> optional) {
      return optional.map(v -> walk(name, v, next));
    }
    if (value instanceof Record record) {
      return walkRecord(record, next);
    }
    if (value instanceof JsonNode node) {
      return walkJson(name, node, next);
    }
    return value;
  }

  private static void checkDepth(int depth) {
    if (depth >= MAX_DEPTH) {
      throw new IllegalArgumentException("fluxtrace: content nested deeper than " + MAX_DEPTH
          + " levels (a cycle?) cannot be masked");
    }
  }

  private Map<String, @Nullable Object> walkRecord(Record record, int depth) {
    Map<String, @Nullable Object> copy = new LinkedHashMap<>();
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      copy.put(component.getName(), walk(component.getName(), read(component.getAccessor(), record), depth));
    }
    return copy;
  }

  private static @Nullable Object read(Method accessor, Record record) {
    try {
      if (!accessor.canAccess(record)) {
        accessor.setAccessible(true); // a private record of the application; fails (and masks it all) if closed
      }
      return accessor.invoke(record);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("fluxtrace: cannot read record component " + accessor.getName(), e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("fluxtrace: record component " + accessor.getName() + " threw",
          e.getCause());
    }
  }

  private @Nullable Object walkJson(@Nullable String name, JsonNode node, int depth) {
    if (node.isTextual()) {
      return strings.apply(name, node.textValue());
    }
    checkDepth(depth);
    if (node.isObject()) {
      Map<String, @Nullable Object> copy = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        copy.put(e.getKey(), walkJson(e.getKey(), e.getValue(), depth + 1));
      }
      return copy;
    }
    if (node.isArray()) {
      List<@Nullable Object> copy = new ArrayList<>(node.size());
      for (JsonNode element : node) {
        copy.add(walkJson(null, element, depth + 1));
      }
      return copy;
    }
    return node;
  }
}
