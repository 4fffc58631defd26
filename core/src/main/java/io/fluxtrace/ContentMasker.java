package io.fluxtrace;

import io.fluxtrace.internal.content.DeepMasker;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The one hook that sees every piece of user content before it leaves the process: span input, output,
 * metadata, status messages, trace metadata, score comments and score metadata. Use it to remove personal data
 * or secrets.
 *
 * <p><b>What it receives.</b> Each top-level value whole, as the application passed it, before serialization: the
 * input object, the output object, each metadata value on its own (not the metadata map), the status message, each
 * trace metadata value, a score's comment and each score metadata value; {@link ContentKind} says which. A secret
 * inside a {@code Map}, a list or a record is the masker's to find: {@link #deep(BiFunction)} walks those for the
 * common case of masking strings.
 *
 * <p>Where it runs: for a span value that cannot change any more (a {@code String}, a boxed primitive, a
 * {@code UUID}, or the span's own metadata and model parameters when all their values are such), on one of the
 * tracer's export threads before the span is encoded; for any other span value, and for scores, when the span ends
 * or the score is recorded, on that thread (see {@code docs/performance.md}). Either way it may be called from many
 * threads at once, so it must be thread-safe, fast, and must not block or rely on the caller's thread state. If it
 * throws, the value is replaced by {@value #FAILED_MARKER} and the failure is counted and logged once: content is
 * never sent unmasked. Returning null removes the value.
 */
@FunctionalInterface
public interface ContentMasker {

  /** What replaces a value when the masker throws. */
  String FAILED_MARKER = "<fluxtrace: masked, the masking hook failed>";

  /**
   * Returns the value to send instead of {@code value}: the same object, a masked copy, or null to drop it.
   *
   * @param kind which piece of content this is
   * @param value the content as the application passed it; never null
   */
  @Nullable Object mask(ContentKind kind, Object value);

  /** A masker that sends everything as is. */
  static ContentMasker none() {
    return (kind, value) -> value;
  }

  /**
   * A masker that applies {@code strings} to every string inside each value, at any depth: the value itself, the
   * values of maps, the elements of collections and object arrays, the components of records, the content of an
   * {@code Optional} and the text of a Jackson {@code JsonNode}. It masks a copy (maps and records become maps,
   * collections and arrays lists, which serialize to the same JSON); the application's objects are not modified.
   * Numbers, booleans, map keys and other objects (such as JavaBeans) pass unchanged: mask those in a masker of
   * your own. Content nested deeper than 64 levels (usually a cycle) is replaced by {@value #FAILED_MARKER}.
   *
   * <pre>{@code
   * ContentMasker masker = ContentMasker.deep((name, text) ->
   *     "apiKey".equals(name) ? "***" : CARD_NUMBER.matcher(text).replaceAll("****"));
   * }</pre>
   *
   * @param strings receives a string's name (its map key or record component; null for the value itself and for
   *     the elements of lists) and the string, and returns what to send instead: null sends a JSON null inside a
   *     structure, and drops a value that is a string itself
   */
  static ContentMasker deep(BiFunction<@Nullable String, String, @Nullable String> strings) {
    return new DeepMasker(strings);
  }
}
