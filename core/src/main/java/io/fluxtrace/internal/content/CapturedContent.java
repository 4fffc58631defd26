package io.fluxtrace.internal.content;

import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What a span keeps of a piece of user content between the moment it ends and its export: the value itself when
 * nothing can change it any more, else a {@link io.fluxtrace.internal.pipeline.CapturedSpan.Snapshot} of its JSON
 * text made when the span ended.
 *
 * <p><b>Captured by reference</b> (masked, serialized and truncated later, on an export thread): {@link String},
 * the boxed primitives ({@link Boolean}, {@link Character}, {@link Byte}, {@link Short}, {@link Integer},
 * {@link Long}, {@link Float}, {@link Double}) and {@link UUID}. Each of these classes is final and has only final
 * fields of primitive or such types, set in its constructor, so a reference read after the span ended sees the same
 * value then as at the end, on any thread: the JSON text made later is the one that would have been made then,
 * byte for byte. A map of such values qualifies too when the span owns it (the metadata and model parameters a span
 * collects into its own map, which nothing changes once the span has ended).
 *
 * <p>A String longer than {@code maxValueBytes} chars (and a map whose strings add up to more) is encoded when the
 * span ends all the same: it is truncated anyway, which then costs at most {@code maxValueBytes} of work, and the
 * queue holds only the truncated text rather than all of it (the byte bound would count all of it).
 *
 * <p><b>Snapshotted when the span ends</b> (on the ending thread, as before): everything else. A {@code List},
 * {@code Map}, record or POJO may hold, or be, a mutable object that the application changes or reuses after the
 * span ended (a message list a chat loop appends to, a reused buffer); a record's components may be mutable; even
 * {@code BigDecimal} and {@code BigInteger} are not final, so a subclass may be mutable. Serializing those later
 * could send what they became rather than what they were.
 *
 * <p>The masker sees a captured value on the export thread and a snapshotted one on the ending thread; it is called
 * from many threads at once in both cases, so it must be thread-safe either way (as documented on
 * {@link io.fluxtrace.ContentMasker}).
 */
public final class CapturedContent {

  private CapturedContent() {}

  /** Whether {@code value} can be kept by reference until export (see the class comment for why each is safe). */
  public static boolean immutable(Object value) {
    Class<?> type = value.getClass();
    return type == String.class || type == Long.class || type == Integer.class || type == Double.class
        || type == Boolean.class || type == Float.class || type == Short.class || type == Byte.class
        || type == Character.class || type == UUID.class;
  }

  /** Whether every value of {@code entries} {@linkplain #immutable can be kept by reference}; null values can. */
  public static boolean immutableValues(Map<String, ? extends @Nullable Object> entries) {
    for (Object value : entries.values()) {
      if (value != null && !immutable(value)) {
        return false;
      }
    }
    return true;
  }
}
