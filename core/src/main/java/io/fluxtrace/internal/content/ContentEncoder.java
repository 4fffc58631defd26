package io.fluxtrace.internal.content;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ContentMasker;
import io.fluxtrace.ExperimentAttributes;
import io.fluxtrace.TraceAttributes;
import java.io.IOException;
import java.io.Writer;
import io.fluxtrace.internal.pipeline.CapturedSpan.Snapshot;
import io.fluxtrace.internal.pipeline.TracerMetrics;
import io.fluxtrace.internal.util.RateLimitedLog;
import io.fluxtrace.internal.util.SafeLogger;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;

/**
 * Turns user content into the JSON text that is exported: mask, serialize, sanitize, truncate. When a span ends,
 * {@link #capture} keeps an immutable value by reference and encodes any other value at once, on the ending thread
 * (see {@link CapturedContent} for which is which and why that is safe); {@link #encodeCaptured} then turns what
 * was captured into its JSON text on an export thread. Either way a value goes through {@link #encode} (or
 * {@link #encodeEntries}): the one place where content becomes its encoded form, so that the wire is the same
 * byte for byte whenever it runs. The common case (a clean string or small object, no masker) allocates little and
 * scans once.
 *
 * <p>Never throws. A value that cannot be serialized becomes the JSON string
 * {@code "<fluxtrace: unserializable CLASS: REASON>"} ({@link TracerMetrics#contentReplaced}); a value whose
 * JSON is over {@code maxValueBytes} UTF-8 bytes becomes a JSON string holding as much of that JSON as fits,
 * followed by {@value JsonText#TRUNCATED_MARKER} ({@link TracerMetrics#contentTruncated}). A masker that throws
 * replaces the value by {@link ContentMasker#FAILED_MARKER} ({@link TracerMetrics#maskingFailures}); a masker
 * that returns null drops the value.
 *
 * <p>Each kind of replacement is also logged, without the value: a placeholder or a masking failure at most once
 * a minute as a warning (they point at a bug in application code), the first truncation once as information
 * (large values are expected, and the marker shows in the data).
 */
public final class ContentEncoder {

  /** {@link ContentMasker#none()} is a non-capturing lambda, so every call returns this same instance. */
  private static final ContentMasker NO_MASKING = ContentMasker.none();
  private static final int MAX_REASON_CHARS = 200;
  private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);

  private final ObjectMapper mapper;
  private final @Nullable ContentMasker masker;
  private final int maxValueBytes;
  private final TracerMetrics metrics;
  private final Logger log = SafeLogger.of(ContentEncoder.class);
  private final RateLimitedLog replacedWarnings = new RateLimitedLog(log, WARNING_INTERVAL);
  private final RateLimitedLog maskingWarnings = new RateLimitedLog(log, WARNING_INTERVAL);
  private final AtomicBoolean truncationLogged = new AtomicBoolean();
  private final @Nullable MediaStep media;

  /**
   * An encoder with the tracer's mapper, masker and value limit.
   *
   * @param mapper serializes user objects
   * @param masker sees every piece of user content first
   * @param maxValueBytes the UTF-8 size one value's JSON may take, at least 64
   * @param metrics where replacements, truncations and masking failures are counted
   */
  public ContentEncoder(ObjectMapper mapper, ContentMasker masker, int maxValueBytes, TracerMetrics metrics) {
    this(mapper, masker, maxValueBytes, metrics, null);
  }

  /**
   * An encoder that also applies {@code media} to the content of spans (see {@link #encode(ContentKind, Object,
   * SpanIds)}).
   */
  public ContentEncoder(ObjectMapper mapper, ContentMasker masker, int maxValueBytes, TracerMetrics metrics,
      @Nullable MediaStep media) {
    this.media = media;
    this.mapper = mapper;
    this.masker = masker == NO_MASKING ? null : masker;
    this.maxValueBytes = maxValueBytes;
    this.metrics = metrics;
  }

  /** Whether a masker runs at all; false for {@link ContentMasker#none()}, which then costs nothing. */
  boolean masks() {
    return masker != null;
  }

  /** Whether a media step runs, so that callers pass the span's ids only then. */
  public boolean replacesMedia() {
    return media != null;
  }

  /**
   * What a span keeps of {@code value} when it ends: the value itself when it is {@linkplain
   * CapturedContent#immutable immutable} (encoded later by {@link #encodeCaptured}), else its JSON text now, as a
   * {@link Snapshot}; null when there is nothing to send. Never throws.
   */
  public @Nullable Object capture(ContentKind kind, @Nullable Object value, @Nullable SpanIds span) {
    if (value == null || (CapturedContent.immutable(value) && withinLimit(value))) {
      return value;
    }
    String json = encode(kind, value, span);
    return json == null ? null : new Snapshot(json);
  }

  /**
   * What a span keeps of its own map of entries when it ends: the map itself when every value is {@linkplain
   * CapturedContent#immutable immutable} (the span never changes it once ended), else its JSON object text now, as
   * a {@link Snapshot}; null when there is nothing to send. Never throws.
   *
   * @param kind how values are masked, or null for values that are not masked (model parameters)
   */
  public @Nullable Object captureEntries(@Nullable ContentKind kind,
      @Nullable Map<String, ? extends @Nullable Object> entries, @Nullable SpanIds span) {
    if (entries == null || entries.isEmpty()) {
      return null;
    }
    if (CapturedContent.immutableValues(entries) && withinLimit(entries)) {
      return entries;
    }
    String json = encodeEntries(kind, entries, span);
    return json == null ? null : new Snapshot(json);
  }

  /**
   * Whether a String is at most {@code maxValueBytes} chars long: a longer one is truncated anyway, so it is
   * encoded at once (at a cost bounded by {@code maxValueBytes}) rather than held whole in the queue, where the byte
   * bound would count all of it. Other immutable values are small.
   */
  private boolean withinLimit(Object value) {
    return !(value instanceof String text) || text.length() <= maxValueBytes;
  }

  /** Whether the String values (and keys) of {@code entries} take at most {@code maxValueBytes} chars together. */
  private boolean withinLimit(Map<String, ? extends @Nullable Object> entries) {
    long chars = 0;
    for (Map.Entry<String, ? extends @Nullable Object> entry : entries.entrySet()) {
      chars += String.valueOf(entry.getKey()).length();
      if (entry.getValue() instanceof String text) {
        chars += text.length();
      }
    }
    return chars <= maxValueBytes;
  }

  /** The JSON text of what {@link #capture} kept, exactly as {@link #encode} makes it; never throws. */
  public @Nullable String encodeCaptured(ContentKind kind, @Nullable Object captured, @Nullable SpanIds span) {
    if (captured instanceof Snapshot snapshot) {
      return snapshot.json();
    }
    return encode(kind, captured, span);
  }

  /** The JSON object text of what {@link #captureEntries} kept, exactly as {@link #encodeEntries} makes it. */
  @SuppressWarnings("unchecked") // captureEntries keeps either a Snapshot or the map it was given
  public @Nullable String encodeCapturedEntries(
      @Nullable ContentKind kind, @Nullable Object captured, @Nullable SpanIds span) {
    if (captured instanceof Snapshot snapshot) {
      return snapshot.json();
    }
    return encodeEntries(kind, (@Nullable Map<String, ? extends @Nullable Object>) captured, span);
  }

  /** The masked value as JSON text of at most {@code maxValueBytes}, or null when there is nothing to send. */
  public @Nullable String encode(ContentKind kind, @Nullable Object value) {
    return encode(kind, value, null);
  }

  /**
   * {@link #encode(ContentKind, Object)} for content of span {@code span}: the media step, if any, sees the value
   * after the masker and replaces the media in it.
   */
  public @Nullable String encode(ContentKind kind, @Nullable Object value, @Nullable SpanIds span) {
    if (value == null) {
      return null;
    }
    Object masked = mask(kind, value);
    return masked == null ? null : toJson(masked, maxValueBytes, kind, span);
  }

  /**
   * The entries as one JSON object text of at most {@code maxValueBytes}, each value masked as {@code kind} and
   * serialized on its own, so one bad value costs only itself and the result is always an object (Langfuse
   * drops metadata that is not). Entries past the size limit are left out and counted under one marker entry.
   * Null when nothing is left to send.
   *
   * @param kind how values are masked, or null for application configuration that is not masked (model
   *     parameters)
   */
  public @Nullable String encodeEntries(
      @Nullable ContentKind kind, @Nullable Map<String, ? extends @Nullable Object> entries) {
    return encodeEntries(kind, entries, null);
  }

  /** {@link #encodeEntries(ContentKind, Map)} for content of span {@code span}, with the media step applied. */
  public @Nullable String encodeEntries(
      @Nullable ContentKind kind, @Nullable Map<String, ? extends @Nullable Object> entries, @Nullable SpanIds span) {
    if (entries == null || entries.isEmpty()) {
      return null;
    }
    JsonObjectText object = new JsonObjectText(maxValueBytes);
    for (Map.Entry<String, ? extends @Nullable Object> entry : entries.entrySet()) {
      Object value = entry.getValue();
      Object masked = value == null ? null : kind == null ? value : mask(kind, value);
      if (masked == null) {
        continue;
      }
      long room = object.startEntry(String.valueOf(entry.getKey()));
      if (room >= 0) {
        object.value(toJson(masked, (int) room, kind, kind == null ? null : span));
      }
    }
    if (object.omitted() > 0) {
      truncated();
    }
    return object.finish();
  }

  /** A plain string (a status message), masked, sanitized and cut to {@code maxValueBytes}; not JSON-quoted. */
  public @Nullable String encodeText(ContentKind kind, @Nullable String value) {
    if (value == null) {
      return null;
    }
    Object masked = mask(kind, value);
    String text = masked == null ? null : text(masked);
    if (text == null) {
      return null;
    }
    if (JsonText.exceeds(text, maxValueBytes)) {
      truncated();
      return JsonText.truncate(text, maxValueBytes, JsonText.TRUNCATED_MARKER);
    }
    return JsonText.sanitize(text);
  }

  /**
   * The trace attributes as recorded with a span: each string metadata value masked as
   * {@link ContentKind#TRACE_METADATA}, each structured one masked, serialized and truncated like span content into
   * a {@link JsonValue}, and the experiment's metadata ({@link ContentKind#TRACE_METADATA}) and expected output
   * ({@link ContentKind#OUTPUT}) masked as JSON text. Returns {@code attributes} itself, at no cost, when no masker
   * is configured and no value is structured. Without a masker, the spans of one request (which share one attributes
   * instance) reuse the last result.
   */
  public TraceAttributes maskTraceAttributes(TraceAttributes attributes) {
    ExperimentAttributes experiment = attributes.experiment();
    Map<String, Object> metadata = attributes.metadata();
    if ((metadata.isEmpty() && experiment == null) || (masker == null && !needsFreezing(metadata))) {
      return attributes;
    }
    // Without a masker the result depends on the attributes alone: the spans of a request reuse it. With one, the
    // hook sees every span's values, as it always has (its calls and failures are counted per span).
    FrozenAttributes last = masker == null ? lastFrozen : null;
    if (last != null && last.given() == attributes) {
      return last.recorded();
    }
    Map<String, Object> masked = new LinkedHashMap<>();
    boolean changed = false;
    for (Map.Entry<String, Object> entry : metadata.entrySet()) {
      Object value = entry.getValue();
      Object recorded;
      if (value instanceof String string) {
        recorded = maskedText(ContentKind.TRACE_METADATA, string);
      } else if (value instanceof JsonValue) {
        recorded = value; // recorded before, by a span of the same request
      } else {
        String json = encode(ContentKind.TRACE_METADATA, value);
        recorded = json == null ? null : new JsonValue(json);
      }
      if (recorded != null) {
        masked.put(entry.getKey(), recorded);
      }
      changed |= recorded != value;
    }
    ExperimentAttributes maskedExperiment = experiment == null ? null : maskExperiment(experiment);
    if (!changed && maskedExperiment == experiment) {
      return attributes;
    }
    TraceAttributes recorded = new TraceAttributes(attributes.userId(), attributes.sessionId(),
        attributes.traceName(), attributes.tags(), changed ? masked : metadata, attributes.release(),
        attributes.version(), attributes.environment(), attributes.isPublic(), maskedExperiment,
        attributes.promptName(), attributes.promptVersion());
    if (masker == null) {
      lastFrozen = new FrozenAttributes(attributes, recorded);
    }
    return recorded;
  }

  /** The last attributes recorded, with what they were recorded from; racy by design (a miss only costs work). */
  private volatile @Nullable FrozenAttributes lastFrozen;

  private record FrozenAttributes(TraceAttributes given, TraceAttributes recorded) {}

  private static boolean needsFreezing(Map<String, Object> metadata) {
    for (Object value : metadata.values()) {
      if (!(value instanceof String) && !(value instanceof JsonValue)) {
        return true;
      }
    }
    return false;
  }

  private ExperimentAttributes maskExperiment(ExperimentAttributes e) {
    String metadata = maskedText(ContentKind.TRACE_METADATA, e.metadata());
    String itemMetadata = maskedText(ContentKind.TRACE_METADATA, e.itemMetadata());
    String expected = maskedText(ContentKind.OUTPUT, e.itemExpectedOutput());
    if (metadata == e.metadata() && itemMetadata == e.itemMetadata() && expected == e.itemExpectedOutput()) {
      return e;
    }
    return new ExperimentAttributes(e.id(), e.name(), e.description(), metadata, e.datasetId(), e.itemId(),
        e.itemVersion(), itemMetadata, expected);
  }

  private @Nullable String maskedText(ContentKind kind, @Nullable String value) {
    Object result = value == null ? null : mask(kind, value);
    return result == null ? null : text(result);
  }

  /** What a masker returned for a text value, as text; a failing {@code toString()} gives a placeholder. */
  private @Nullable String text(Object masked) {
    if (masked instanceof String string) {
      return string;
    }
    try {
      return masked.toString();
    } catch (Throwable t) {
      String reason = "toString() threw " + t.getClass().getName();
      replaced(masked, reason);
      return "<fluxtrace: unserializable " + masked.getClass().getName() + ": " + reason + ">";
    }
  }

  private @Nullable Object mask(ContentKind kind, Object value) {
    ContentMasker m = masker;
    if (m == null) {
      return value;
    }
    try {
      return m.mask(kind, value);
    } catch (Throwable t) {
      metrics.maskingFailures.increment();
      // The exception's message may quote the very content the hook was to mask: only its class is logged.
      maskingWarnings.warn("fluxtrace: the masking hook threw {} on a {} value, which was replaced by \"{}\" and"
          + " never sent unmasked; counted in stats().maskingFailures()", t.getClass().getName(), kind,
          ContentMasker.FAILED_MARKER);
      return ContentMasker.FAILED_MARKER;
    }
  }

  /** {@code value} as JSON text of at most {@code maxBytes} UTF-8 bytes; never throws. */
  private String toJson(Object value, int maxBytes, @Nullable ContentKind kind, @Nullable SpanIds span) {
    MediaStep m = media;
    MediaScope scope = m == null || span == null || kind == null ? null : new MediaScope(m, span, kind);
    if (scope != null && value instanceof String string) {
      String replaced = scope.step.replaceString(string, scope.span, scope.kind);
      if (replaced != null) {
        value = replaced;
      }
    }
    if (value instanceof String string) {
      // The common case (prompts, completions): quoted, sanitized and cut in one pass, no mapper involved.
      // Room for some escapes too, so that a typical prompt does not make the builder grow (a copy of it all).
      int length = string.length();
      StringBuilder json = new StringBuilder((int) Math.min(length + (length >> 3), maxBytes) + 2);
      if (JsonText.appendQuoted(json, string, maxBytes, JsonText.TRUNCATED_MARKER) < 0) {
        truncated();
      }
      return json.toString();
    }
    BoundedWriter out = new BoundedWriter(maxBytes);
    Throwable failure = null;
    try {
      if (scope != null) {
        scope.step.writeValue(mapper, out, value, scope.span, scope.kind);
      } else {
        mapper.writeValue(out, value);
      }
    } catch (Throwable t) {
      failure = t;
    }
    if (out.limitReached()) {
      // Whatever the serializer threw on the way out, the cause was our limit: keep the prefix as a string.
      truncated();
      return JsonText.quote(out.text(), maxBytes, JsonText.TRUNCATED_MARKER);
    }
    if (failure != null) {
      String why;
      try {
        why = reason(failure);
      } catch (Throwable t) {
        why = failure.getClass().getName();
      }
      replaced(value, why);
      String placeholder = "<fluxtrace: unserializable " + value.getClass().getName() + ": " + why + ">";
      return JsonText.quote(placeholder, maxBytes, JsonText.TRUNCATED_MARKER);
    }
    // Jackson copies chars into a Writer as they are, so lone surrogates in the value are still in the text.
    return JsonText.sanitize(out.text().toString());
  }

  private void replaced(Object value, String reason) {
    metrics.contentReplaced.increment();
    replacedWarnings.warn("fluxtrace: a value of type {} could not be serialized ({}) and was replaced by a"
        + " placeholder; counted in stats().contentReplaced()", value.getClass().getName(), reason);
  }

  private void truncated() {
    metrics.contentTruncated.increment();
    if (!truncationLogged.get() && truncationLogged.compareAndSet(false, true)) {
      log.info("fluxtrace: a value larger than maxValueBytes ({} bytes) was truncated and ends with \"{}\"; later"
          + " truncations are only counted, in stats().contentTruncated()", maxValueBytes, JsonText.TRUNCATED_MARKER);
    }
  }

  /**
   * Why serialization failed, without quoting the value: Jackson's own messages name types and features, but a
   * user exception's message may hold exactly the data the masker was meant to remove, so only its class is
   * given.
   */
  static String reason(Throwable failure) {
    if (failure instanceof StackOverflowError || failure.getCause() instanceof StackOverflowError) {
      return "nested too deeply (stack overflow), probably a cycle";
    }
    if (failure instanceof StreamConstraintsException) {
      return "nested too deeply, probably a cycle";
    }
    Throwable cause = failure.getCause();
    if (failure instanceof JacksonException jackson && (cause == null || cause instanceof JacksonException)) {
      if (cause instanceof StreamConstraintsException) {
        return "nested too deeply, probably a cycle";
      }
      String message;
      try {
        message = jackson.getOriginalMessage();
      } catch (Throwable t) {
        message = null;
      }
      return message == null ? failure.getClass().getName() : shorten(message);
    }
    Throwable root = cause != null && !(failure instanceof Error) ? cause : failure;
    return root.getClass().getName() + " thrown while serializing";
  }

  private static String shorten(String message) {
    String firstLine = message.lines().findFirst().orElse("");
    return firstLine.length() <= MAX_REASON_CHARS ? firstLine : firstLine.substring(0, MAX_REASON_CHARS) + "...";
  }

  private record MediaScope(MediaStep step, SpanIds span, ContentKind kind) {}

  /** The span whose content is being encoded, for the media step. */
  public record SpanIds(String traceId, String spanId) {}

  /**
   * Replaces the media in content (see {@code io.fluxtrace.internal.media}). Applied to each value of a span's
   * input, output and metadata after the masker, wherever content is encoded, so that media the masker dropped is
   * never uploaded. Must not throw for media it cannot handle: it leaves it as it is, or writes a placeholder.
   */
  public interface MediaStep {

    /** The text to send instead of {@code value} when that string is media (a data URI), else null. */
    @Nullable String replaceString(String value, SpanIds span, ContentKind kind);

    /** Serializes {@code value} with {@code mapper} into {@code out}, media inside it replaced. */
    void writeValue(ObjectMapper mapper, Writer out, Object value, SpanIds span, ContentKind kind)
        throws IOException;
  }
}
