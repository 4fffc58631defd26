package io.fluxtrace.internal.pipeline;

import io.fluxtrace.GenerationData;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.pipeline.CapturedSpan.Snapshot;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Estimates the heap a queued span holds, which is what {@code maxQueuedBytes} bounds, cheaply enough to run on the
 * thread that ends the span: object sizes from the JVM's layout ({@link HeapLayout}) and string lengths, no
 * serialization, no reflection.
 *
 * <p>What a queued span holds, as heap histograms of queued spans show: the pipeline's entry and queue node, the
 * {@link SpanData}, its id strings, the JSON text of its content (input, output, metadata, model parameters: one
 * exact-size String each, made by the content encoder) and, for a generation, the {@link GenerationData} with its
 * copied usage and cost maps and their boxed numbers. A string takes one byte per char when the JVM holds it as
 * Latin-1 (every char at most U+00FF, compact strings on) and two otherwise, so text is counted by its chars and
 * their width, never by its UTF-8 size. Strings the application passes in as they are (the span name, model, prompt
 * name, usage and cost keys, trace attributes) are usually constants or shared by a request's spans: their chars
 * are counted, so that a large one is bounded, but not their object headers. Everything else is counted whole,
 * even where spans may share it (a trace id), so that the estimate errs on the high side.
 *
 * <p>The same figure cuts batches by {@code maxBatchBytes}; a request's UTF-8 JSON is close to it for Latin-1
 * text and up to 1.5 times it for CJK text (three UTF-8 bytes for a two-byte char), before compression.
 */
public final class SpanSizeEstimator {

  private SpanSizeEstimator() {}

  /** The estimated heap {@code span} holds while it is queued, in bytes. */
  public static long estimate(SpanData span) {
    return estimate(span, HeapLayout.CURRENT);
  }

  /**
   * The estimated heap a queued {@link CapturedSpan} holds, in bytes: what the span pipeline bounds. Content kept
   * by reference is counted as the object it is (a String by its length and coder, exactly as the JVM holds it, even
   * when the application still holds it too); a snapshot as its JSON String and the wrapper; the span's own maps as
   * the {@code LinkedHashMap} they are, with their boxed values.
   */
  public static long estimate(CapturedSpan span) {
    return estimate(span, HeapLayout.CURRENT);
  }

  static long estimate(CapturedSpan span, HeapLayout heap) {
    long size = capturedFixed(heap) + string(heap, span.traceIdText()) + string(heap, span.spanIdText())
        + string(heap, span.parentSpanId()) + heap.chars(span.name()) + string(heap, span.statusMessage())
        + content(heap, span.input()) + content(heap, span.output()) + content(heap, span.metadata())
        + traceAttributes(heap, span.traceAttributes()) + chars(heap, span.version())
        + content(heap, span.traceInput()) + content(heap, span.traceOutput());
    if (span.generation()) {
      size += chars(heap, span.model()) + content(heap, span.modelParameters()) + chars(heap, span.promptName())
          + (span.promptVersion() == null ? 0 : heap.object(0, 4)) + ownedMap(heap, span.usage())
          + ownedMap(heap, span.cost()) + chars(heap, span.provider());
    }
    return size;
  }

  /** The pipeline's entry and the sink queue's node, as for SpanData, and the CapturedSpan itself. */
  static long capturedFixed(HeapLayout heap) {
    return heap.object(1, 8) + heap.object(2, 0)
        // 22 references; six longs (trace id halves, span id, start, end, completion start), two booleans
        // (parentRemote, generation). Ids kept as numbers are written as text only on the export side.
        + heap.object(22, 50);
  }

  /** A captured value: an immutable value by reference, a snapshot's JSON text, or a span's map of them. */
  private static long content(HeapLayout heap, @Nullable Object value) {
    if (value == null) {
      return 0;
    }
    if (value instanceof String text) {
      return heap.string(text);
    }
    if (value instanceof Snapshot snapshot) {
      return heap.object(1, 0) + heap.string(snapshot.json());
    }
    if (value instanceof Map<?, ?> map) {
      long size = ownedMapLayout(heap, map.size());
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        size += heap.chars(String.valueOf(entry.getKey())) + content(heap, entry.getValue());
      }
      return size;
    }
    // A boxed primitive or a UUID: at most two longs.
    return heap.object(0, 16);
  }

  /** A span's own usage or cost map: its layout, its keys' chars and its boxed Long or Double values. */
  private static long ownedMap(HeapLayout heap, @Nullable Map<String, ? extends Number> map) {
    if (map == null) {
      return 0;
    }
    return ownedMapLayout(heap, map.size()) + map.size() * heap.object(0, 8) + keys(heap, map);
  }

  /**
   * A {@code LinkedHashMap} filled by {@code put} from its default capacity: its table grows from 16 slots,
   * doubling whenever the entries pass three quarters of it; with the entry-set view that reading it creates.
   */
  static long ownedMapLayout(HeapLayout heap, int entries) {
    long size = heap.object(6, 17) + heap.object(1, 0);
    int table = 16;
    while (entries > table * 3 / 4) {
      table <<= 1;
    }
    return size + heap.referenceArray(table) + entries * heap.object(5, 4);
  }

  /** Reads the JVM's layout now, on the caller's thread, rather than on the first thread that ends a span. */
  public static void init() {
    HeapLayout.CURRENT.alignment(); // initializes the layout class
  }

  static long estimate(SpanData span, HeapLayout heap) {
    long size = fixed(heap) + heap.string(span.traceId()) + heap.string(span.spanId())
        + string(heap, span.parentSpanId()) + heap.chars(span.name())
        + string(heap, span.statusMessage()) + string(heap, span.input()) + string(heap, span.output())
        + string(heap, span.traceInput()) + string(heap, span.traceOutput())
        + string(heap, span.metadata()) + traceAttributes(heap, span.traceAttributes());
    GenerationData generation = span.generation();
    if (generation != null) {
      size += generation(heap, generation);
    }
    return size;
  }

  /** The pipeline's {@code Entry} (item, size) and the sink queue's node (next, value), and the SpanData itself. */
  static long fixed(HeapLayout heap) {
    return heap.object(1, 8) + heap.object(2, 0)
        // 12 references, two longs (start, end), one boolean (parentRemote)
        + heap.object(12, 17);
  }

  private static long generation(HeapLayout heap, GenerationData generation) {
    // model, modelParameters, usageDetails, costDetails, promptName, promptVersion; completionStartEpochNanos
    long size = heap.object(6, 8) + chars(heap, generation.model()) + string(heap, generation.modelParameters())
        + chars(heap, generation.promptName()) + (generation.promptVersion() == null ? 0 : heap.object(0, 4))
        + copiedMap(heap, generation.usageDetails().size()) + copiedMap(heap, generation.costDetails().size());
    return size + keys(heap, generation.usageDetails()) + keys(heap, generation.costDetails());
  }

  /**
   * The chars of the map's keys. Read through the entry set, which the OTLP encoder reads too: the views that
   * reading creates (and the map then keeps) are the same ones, created once.
   */
  private static long keys(HeapLayout heap, Map<String, ? extends Number> map) {
    long size = 0;
    if (!map.isEmpty()) { // iterating even an empty unmodifiable map allocates its views and an iterator
      for (Map.Entry<String, ? extends Number> entry : map.entrySet()) {
        size += heap.chars(entry.getKey());
      }
    }
    return size;
  }

  /**
   * A map GenerationData copied: {@code Collections.unmodifiableMap(new LinkedHashMap<>(map))} with {@code entries}
   * entries, each value a boxed Long or Double, and, when it has entries, the entry set views that reading it
   * creates.
   */
  static long copiedMap(HeapLayout heap, int entries) {
    // UnmodifiableMap: m, keySet, entrySet, values. LinkedHashMap: keySet, values, table, entrySet, head, tail;
    // size, modCount, threshold, loadFactor, accessOrder.
    long size = heap.object(4, 0) + heap.object(6, 17);
    if (entries > 0) {
      // UnmodifiableEntrySet and LinkedEntrySet: one reference each.
      size += 2 * heap.object(1, 0);
      // new LinkedHashMap<>(map) sizes its table for the entries (JDK 17's rule, the largest of recent JDKs).
      size += heap.referenceArray(tableSizeFor((int) (entries / 0.75f + 1.0f)));
      // LinkedHashMap.Entry: hash; key, value, next, before, after. The boxed Long or Double: one long.
      size += entries * (heap.object(5, 4) + heap.object(0, 8));
    }
    return size;
  }

  /** The power of two HashMap picks for a requested capacity. */
  static int tableSizeFor(int capacity) {
    int n = -1 >>> Integer.numberOfLeadingZeros(Math.max(1, capacity) - 1);
    return n < 0 ? 1 : n + 1;
  }

  private static long traceAttributes(HeapLayout heap, TraceAttributes attributes) {
    if (attributes == TraceAttributes.EMPTY) {
      return 0;
    }
    long size = chars(heap, attributes.userId()) + chars(heap, attributes.sessionId())
        + chars(heap, attributes.traceName()) + chars(heap, attributes.release()) + chars(heap, attributes.version())
        + chars(heap, attributes.environment());
    List<String> tags = attributes.tags();
    for (int i = 0; i < tags.size(); i++) {
      size += heap.chars(tags.get(i));
    }
    Map<String, Object> metadata = attributes.metadata();
    if (!metadata.isEmpty()) { // iterating even an empty unmodifiable map allocates two iterators
      for (Map.Entry<String, Object> entry : metadata.entrySet()) {
        // A recorded value is a String or a JsonValue holding one; both cost their text.
        size += heap.chars(entry.getKey()) + heap.chars(entry.getValue().toString());
      }
    }
    return size;
  }

  private static long string(HeapLayout heap, @Nullable String value) {
    return value == null ? 0 : heap.string(value);
  }

  private static long chars(HeapLayout heap, @Nullable String value) {
    return value == null ? 0 : heap.chars(value);
  }
}
