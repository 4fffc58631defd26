package io.fluxtrace.internal.export;

import static io.fluxtrace.internal.export.AttributeNames.*;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.fluxtrace.ExperimentAttributes;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.fluxtrace.internal.config.LangfuseEnvironment;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.content.JsonObjectText;
import io.fluxtrace.internal.content.JsonText;
import io.fluxtrace.internal.util.FluxtraceVersion;
import io.fluxtrace.internal.util.SafeLogger;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;

/**
 * Encodes ended spans as one OTLP {@code ExportTraceServiceRequest} in the OTLP/JSON form, streamed with
 * Jackson's {@link JsonGenerator} (no tree per span): ids as lowercase hex, 64-bit integers and unix-nano times
 * as decimal strings, enums as integers. Each span carries the Langfuse attributes (see
 * {@code docs/langfuse-mapping.md}), the trace-wide ones included, because Langfuse v4 reads them from every
 * span.
 *
 * <p>Langfuse rejects a whole export with 400 if one span is malformed, so whatever a {@link SpanData} holds,
 * the output is valid: every string is sanitized (lone surrogates become U+FFFD), names and identifiers are cut
 * to {@value #MAX_SHORT_TEXT_BYTES} bytes, an invalid trace or span id is replaced by a valid one derived from
 * it (so spans that shared the bad id still share the new one), negative or reversed times are clamped, and
 * values that must be JSON objects are only sent when they are. Spans built by fluxtrace never need these
 * repairs; they guard hand-made {@code SpanData} from custom code.
 *
 * <p><b>Instrumentation scope.</b> The scope is named {@value #SCOPE_NAME} on purpose: Langfuse copies every
 * raw span attribute into the observation's {@code metadata.attributes} unless the scope name starts with
 * {@code langfuse-sdk}, as its own SDKs' scopes do (Langfuse {@code OtelIngestionProcessor}, flag
 * {@code isLangfuseSDKSpans}). fluxtrace already sends every value through its dedicated {@code langfuse.*}
 * attribute, so that copy would only duplicate usage, model parameters and trace attributes into each
 * observation's metadata. The name matches no other special case there: the Python SDK fix-up wants exactly
 * {@code langfuse-sdk} with {@code telemetry.sdk.language=python}.
 *
 * <p>Thread-safe and stateless apart from a warn-once flag.
 */
public final class OtlpJsonEncoder {

  /** The instrumentation scope name; see the class comment for why it starts with {@code langfuse-sdk}. */
  public static final String SCOPE_NAME = "langfuse-sdk-fluxtrace";
  /** Names, identifiers, tags and model names are cut to this many UTF-8 bytes (Langfuse keeps 1000 chars). */
  public static final int MAX_SHORT_TEXT_BYTES = 1000;
  /** At most this many tags are sent per span. */
  public static final int MAX_TAGS = 1000;
  /** The name of a span whose name is blank. */
  static final String UNNAMED = "unnamed";

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = SafeLogger.of(OtlpJsonEncoder.class);

  /** OTLP {@code Span.SpanKind}. */
  private static final int SPAN_KIND_INTERNAL = 1;
  private static final int SPAN_KIND_CLIENT = 3;
  /** OTLP {@code Status.StatusCode}. */
  private static final int STATUS_CODE_ERROR = 2;

  private static final String ZERO_SPAN_ID = "0000000000000000";

  /** OTLP/JSON field names, quoted and UTF-8 encoded once. */
  private static final class Field {
    static final SerializableString TRACE_ID = new SerializedString("traceId");
    static final SerializableString SPAN_ID = new SerializedString("spanId");
    static final SerializableString PARENT_SPAN_ID = new SerializedString("parentSpanId");
    static final SerializableString NAME = new SerializedString("name");
    static final SerializableString KIND = new SerializedString("kind");
    static final SerializableString START_TIME_UNIX_NANO = new SerializedString("startTimeUnixNano");
    static final SerializableString END_TIME_UNIX_NANO = new SerializedString("endTimeUnixNano");
    static final SerializableString ATTRIBUTES = new SerializedString("attributes");
    static final SerializableString STATUS = new SerializedString("status");
    static final SerializableString CODE = new SerializedString("code");
    static final SerializableString MESSAGE = new SerializedString("message");
    static final SerializableString KEY = new SerializedString("key");
    static final SerializableString VALUE = new SerializedString("value");
    static final SerializableString STRING_VALUE = new SerializedString("stringValue");
    static final SerializableString INT_VALUE = new SerializedString("intValue");
    static final SerializableString BOOL_VALUE = new SerializedString("boolValue");
    static final SerializableString ARRAY_VALUE = new SerializedString("arrayValue");
    static final SerializableString VALUES = new SerializedString("values");
    static final SerializableString RESOURCE_SPANS = new SerializedString("resourceSpans");
    static final SerializableString RESOURCE = new SerializedString("resource");
    static final SerializableString SCOPE_SPANS = new SerializedString("scopeSpans");
    static final SerializableString SCOPE = new SerializedString("scope");
    static final SerializableString VERSION = new SerializedString("version");
    static final SerializableString SPANS = new SerializedString("spans");

    private Field() {}
  }

  private final JsonFactory factory;
  private final String serviceName;
  private final String defaultEnvironment;
  private final @Nullable String defaultRelease;
  private final int maxValueBytes;
  private final AtomicBoolean repairWarned = new AtomicBoolean();

  /** An encoder for the service, default environment and release, and value size limit of {@code config}. */
  public OtlpJsonEncoder(TracerConfig config) {
    this.factory = JsonFactory.builder()
        // Emoji and other supplementary characters as their 4 UTF-8 bytes rather than two escaped surrogates.
        .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .build();
    this.serviceName = JsonText.truncate(config.serviceName(), MAX_SHORT_TEXT_BYTES, JsonText.TRUNCATED_MARKER);
    this.defaultEnvironment = LangfuseEnvironment.normalize(config.environment());
    this.defaultRelease = config.release();
    this.maxValueBytes = config.maxValueBytes();
  }

  /** The spans as an {@code ExportTraceServiceRequest} JSON document, in UTF-8. */
  public byte[] encode(List<SpanData> spans) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimateSize(spans));
    try {
      encode(spans, out);
    } catch (IOException e) {
      throw new UncheckedIOException("fluxtrace: writing to memory failed", e);
    }
    return out.toByteArray();
  }

  /**
   * Writes the spans as an {@code ExportTraceServiceRequest} JSON document, in UTF-8, to {@code out}, which is
   * flushed but not closed.
   *
   * @throws IOException only when {@code out} throws
   */
  public void encode(List<SpanData> spans, OutputStream out) throws IOException {
    try (JsonGenerator g = factory.createGenerator(out)) {
      g.writeStartObject();
      g.writeFieldName(Field.RESOURCE_SPANS);
      g.writeStartArray();
      if (!spans.isEmpty()) {
        g.writeStartObject();
        writeResource(g);
        g.writeFieldName(Field.SCOPE_SPANS);
        g.writeStartArray();
        g.writeStartObject();
        g.writeFieldName(Field.SCOPE);
        g.writeStartObject();
        g.writeFieldName(Field.NAME);
        g.writeString(SCOPE_NAME);
        g.writeFieldName(Field.VERSION);
        g.writeString(FluxtraceVersion.VERSION);
        g.writeEndObject();
        g.writeFieldName(Field.SPANS);
        g.writeStartArray();
        TraceMetadataCache cache = new TraceMetadataCache();
        for (SpanData span : spans) {
          writeSpan(g, span, cache);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
  }

  private void writeResource(JsonGenerator g) throws IOException {
    g.writeFieldName(Field.RESOURCE);
    g.writeStartObject();
    g.writeFieldName(Field.ATTRIBUTES);
    g.writeStartArray();
    stringAttribute(g, SERVICE_NAME, serviceName);
    stringAttribute(g, TELEMETRY_SDK_NAME, FluxtraceVersion.SDK_NAME);
    stringAttribute(g, TELEMETRY_SDK_LANGUAGE, "java");
    stringAttribute(g, TELEMETRY_SDK_VERSION, FluxtraceVersion.VERSION);
    g.writeEndArray();
    g.writeEndObject();
  }

  private void writeSpan(JsonGenerator g, SpanData span, TraceMetadataCache cache) throws IOException {
    g.writeStartObject();
    g.writeFieldName(Field.TRACE_ID);
    g.writeString(validId(span.traceId(), TraceIds.TRACE_ID_LENGTH));
    g.writeFieldName(Field.SPAN_ID);
    g.writeString(validId(span.spanId(), TraceIds.SPAN_ID_LENGTH));
    String parent = parentId(span.parentSpanId());
    if (parent != null) {
      g.writeFieldName(Field.PARENT_SPAN_ID);
      g.writeString(parent);
    }
    g.writeFieldName(Field.NAME);
    g.writeString(name(span.name()));
    g.writeFieldName(Field.KIND);
    g.writeNumber(kind(span.type()));
    long start = Math.max(0, span.startEpochNanos());
    long end = Math.max(start, span.endEpochNanos());
    g.writeFieldName(Field.START_TIME_UNIX_NANO);
    g.writeString(Long.toString(start));
    g.writeFieldName(Field.END_TIME_UNIX_NANO);
    g.writeString(Long.toString(end));
    g.writeFieldName(Field.ATTRIBUTES);
    g.writeStartArray();
    writeObservationAttributes(g, span);
    writeTraceAttributes(g, span.traceAttributes(), cache);
    ExperimentAttributes experiment = span.traceAttributes().experiment();
    if (experiment != null) {
      writeExperimentAttributes(g, experiment, parent == null || span.parentRemote() ? span : null);
    }
    if (parent != null && span.parentRemote()) {
      booleanAttribute(g, IS_APP_ROOT, true);
    }
    g.writeEndArray();
    if (span.level() == ObservationLevel.ERROR) {
      g.writeFieldName(Field.STATUS);
      g.writeStartObject();
      g.writeFieldName(Field.CODE);
      g.writeNumber(STATUS_CODE_ERROR);
      String message = span.statusMessage();
      if (message != null) {
        g.writeFieldName(Field.MESSAGE);
        g.writeString(JsonText.sanitize(capped(message, maxValueBytes)));
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  private void writeObservationAttributes(JsonGenerator g, SpanData span) throws IOException {
    stringAttribute(g, OBSERVATION_TYPE, span.type().wireName());
    stringAttribute(g, OBSERVATION_LEVEL, span.level().name());
    String statusMessage = span.statusMessage();
    if (statusMessage != null) {
      stringAttribute(g, OBSERVATION_STATUS_MESSAGE, capped(statusMessage, maxValueBytes));
    }
    stringAttribute(g, OBSERVATION_INPUT, span.input());
    stringAttribute(g, OBSERVATION_OUTPUT, span.output());
    String metadata = span.metadata();
    if (metadata != null && isJsonObject(metadata)) {
      stringAttribute(g, OBSERVATION_METADATA, metadata);
    }
    String operation = operationName(span.type());
    if (operation != null) {
      stringAttribute(g, GEN_AI_OPERATION_NAME, operation);
    }
    GenerationData generation = span.generation();
    if (generation != null) {
      writeGenerationAttributes(g, generation);
    }
  }

  private void writeGenerationAttributes(JsonGenerator g, GenerationData generation) throws IOException {
    String model = shortText(generation.model());
    if (model != null) {
      stringAttribute(g, OBSERVATION_MODEL, model);
      stringAttribute(g, GEN_AI_REQUEST_MODEL, model);
    }
    String parameters = generation.modelParameters();
    if (parameters != null && isJsonObject(parameters)) {
      stringAttribute(g, OBSERVATION_MODEL_PARAMETERS, parameters);
    }
    Map<String, Long> usage = generation.usageDetails();
    stringAttribute(g, OBSERVATION_USAGE_DETAILS, detailsJson(usage));
    Long inputTokens = firstUsage(usage, "input", "input_tokens", "prompt_tokens");
    if (inputTokens != null) {
      intAttribute(g, GEN_AI_USAGE_INPUT_TOKENS, inputTokens);
    }
    Long outputTokens = firstUsage(usage, "output", "output_tokens", "completion_tokens");
    if (outputTokens != null) {
      intAttribute(g, GEN_AI_USAGE_OUTPUT_TOKENS, outputTokens);
    }
    stringAttribute(g, OBSERVATION_COST_DETAILS, detailsJson(generation.costDetails()));
    long completionStart = generation.completionStartEpochNanos();
    if (completionStart > 0) {
      stringAttribute(g, OBSERVATION_COMPLETION_START_TIME, isoMicros(completionStart));
    }
    String promptName = shortText(generation.promptName());
    Integer promptVersion = generation.promptVersion();
    if (promptName != null && promptVersion != null) {
      stringAttribute(g, OBSERVATION_PROMPT_NAME, promptName);
      intAttribute(g, OBSERVATION_PROMPT_VERSION, promptVersion);
    }
  }

  private void writeTraceAttributes(JsonGenerator g, TraceAttributes trace, TraceMetadataCache cache)
      throws IOException {
    stringAttribute(g, TRACE_NAME, shortText(trace.traceName()));
    stringAttribute(g, USER_ID, shortText(trace.userId()));
    stringAttribute(g, SESSION_ID, shortText(trace.sessionId()));
    writeTags(g, trace.tags());
    stringAttribute(g, TRACE_METADATA, cache.metadataJson(trace));
    Boolean isPublic = trace.isPublic();
    if (isPublic != null) {
      booleanAttribute(g, TRACE_PUBLIC, isPublic);
    }
    String release = trace.release();
    stringAttribute(g, RELEASE, shortText(release != null ? release : defaultRelease));
    stringAttribute(g, VERSION, shortText(trace.version()));
    String environment = trace.environment();
    stringAttribute(g, ENVIRONMENT,
        environment == null ? defaultEnvironment : LangfuseEnvironment.normalize(environment));
  }

  /**
   * The run attributes on every span of an experiment item's trace; the item attributes only on its root
   * ({@code root}, null for other spans), which is also the item's root observation, as Langfuse reads them.
   */
  private void writeExperimentAttributes(JsonGenerator g, ExperimentAttributes experiment, @Nullable SpanData root)
      throws IOException {
    stringAttribute(g, EXPERIMENT_ID, shortText(experiment.id()));
    stringAttribute(g, EXPERIMENT_NAME, shortText(experiment.name()));
    stringAttribute(g, EXPERIMENT_DESCRIPTION, cappedOrNull(experiment.description()));
    stringAttribute(g, EXPERIMENT_METADATA, jsonObjectOrNull(experiment.metadata()));
    stringAttribute(g, EXPERIMENT_DATASET_ID, shortText(experiment.datasetId()));
    if (root == null) {
      return;
    }
    stringAttribute(g, EXPERIMENT_ITEM_ID, shortText(experiment.itemId()));
    stringAttribute(g, EXPERIMENT_ITEM_VERSION, shortText(experiment.itemVersion()));
    stringAttribute(g, EXPERIMENT_ITEM_METADATA, jsonObjectOrNull(experiment.itemMetadata()));
    stringAttribute(g, EXPERIMENT_ITEM_ROOT_OBSERVATION_ID, validId(root.spanId(), TraceIds.SPAN_ID_LENGTH));
    stringAttribute(g, EXPERIMENT_ITEM_EXPECTED_OUTPUT, cappedOrNull(experiment.itemExpectedOutput()));
  }

  private @Nullable String cappedOrNull(@Nullable String text) {
    return text == null ? null : capped(text, maxValueBytes);
  }

  /**
   * Metadata only when it is a JSON object within the size limit: Langfuse requires an object, and a cut one
   * would not be. The experiment runner keeps its metadata within the limit.
   */
  private @Nullable String jsonObjectOrNull(@Nullable String json) {
    return json == null || !isJsonObject(json) || JsonText.exceeds(json, maxValueBytes) ? null : json;
  }

  private void writeTags(JsonGenerator g, List<String> tags) throws IOException {
    if (tags.isEmpty()) {
      return;
    }
    startAttribute(g, TRACE_TAGS);
    g.writeFieldName(Field.ARRAY_VALUE);
    g.writeStartObject();
    g.writeFieldName(Field.VALUES);
    g.writeStartArray();
    long bytes = 0;
    int count = 0;
    for (String tag : tags) {
      String text = shortText(tag);
      if (text == null) {
        continue;
      }
      bytes += text.length();
      if (count == MAX_TAGS || bytes > maxValueBytes) {
        warnOnce("more than " + MAX_TAGS + " tags or " + maxValueBytes + " bytes of tags; the rest were left out");
        break;
      }
      g.writeStartObject();
      g.writeFieldName(Field.STRING_VALUE);
      g.writeString(JsonText.sanitize(text));
      g.writeEndObject();
      count++;
    }
    g.writeEndArray();
    g.writeEndObject();
    endAttribute(g);
  }

  /** The trace metadata as a JSON object text; spans of one request share their attributes, so it is reused. */
  private final class TraceMetadataCache {
    private @Nullable TraceAttributes last;
    private @Nullable String lastJson;

    @Nullable String metadataJson(TraceAttributes trace) {
      if (trace != last) {
        last = trace;
        lastJson = traceMetadataJson(trace.metadata());
      }
      return lastJson;
    }
  }

  private @Nullable String traceMetadataJson(Map<String, String> metadata) {
    if (metadata.isEmpty()) {
      return null;
    }
    JsonObjectText object = new JsonObjectText(maxValueBytes);
    for (Map.Entry<String, String> entry : metadata.entrySet()) {
      String value = entry.getValue();
      if (value == null) {
        continue;
      }
      long room = object.startEntry(String.valueOf(entry.getKey()));
      if (room >= 0) {
        object.value(JsonText.quote(value, (int) room, JsonText.TRUNCATED_MARKER));
      }
    }
    return object.finish();
  }

  /**
   * Usage or cost details as a JSON object text. Langfuse keeps only non-negative numbers (integers for usage)
   * and JSON has no NaN or infinity; the span refused such values already, this guards hand-made data.
   */
  private static @Nullable String detailsJson(Map<String, ? extends Number> details) {
    if (details.isEmpty()) {
      return null;
    }
    StringBuilder json = new StringBuilder(64).append('{');
    for (Map.Entry<String, ? extends Number> entry : details.entrySet()) {
      Number value = entry.getValue();
      if (entry.getKey() == null || value == null || !(value.doubleValue() >= 0)
          || Double.isInfinite(value.doubleValue())) {
        continue;
      }
      appendKey(json, entry.getKey());
      json.append(value);
    }
    return json.length() == 1 ? null : json.append('}').toString();
  }

  private static void appendKey(StringBuilder json, String key) {
    if (json.length() > 1) {
      json.append(',');
    }
    JsonText.appendQuoted(json, key, MAX_SHORT_TEXT_BYTES, JsonText.TRUNCATED_MARKER);
    json.append(':');
  }

  private static @Nullable Long firstUsage(Map<String, Long> usage, String... keys) {
    for (String key : keys) {
      Long value = usage.get(key);
      if (value != null && value >= 0) {
        return value;
      }
    }
    return null;
  }

  /**
   * The GenAI operation for types that have one. Agents get none on purpose: Langfuse treats
   * {@code invoke_agent} spans as aggregates and ignores their model, usage and cost.
   */
  private static @Nullable String operationName(ObservationType type) {
    return switch (type) {
      case GENERATION -> "chat";
      case EMBEDDING -> "embeddings";
      case TOOL -> "execute_tool";
      default -> null;
    };
  }

  /** A model call leaves the process: CLIENT, as the GenAI conventions say; everything else is INTERNAL. */
  private static int kind(ObservationType type) {
    return type == ObservationType.GENERATION || type == ObservationType.EMBEDDING
        ? SPAN_KIND_CLIENT
        : SPAN_KIND_INTERNAL;
  }

  private static String name(String name) {
    String text = shortText(name);
    return text == null || text.isBlank() ? UNNAMED : JsonText.sanitize(text);
  }

  private static @Nullable String shortText(@Nullable String text) {
    return text == null ? null : capped(text, MAX_SHORT_TEXT_BYTES);
  }

  private static String capped(String text, int maxBytes) {
    return JsonText.exceeds(text, maxBytes)
        ? JsonText.truncate(text, maxBytes, JsonText.TRUNCATED_MARKER)
        : text;
  }

  /** Whether {@code json} starts like a JSON object, which Langfuse requires for metadata and parameters. */
  private static boolean isJsonObject(String json) {
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (!Character.isWhitespace(c)) {
        return c == '{';
      }
    }
    return false;
  }

  /**
   * {@code uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'} in UTC: microseconds, as Langfuse's own SDKs send timestamps, a form
   * JavaScript dates parse. Written by hand: a DateTimeFormatter was a tenth of the export thread's time for
   * streaming generations. Nanosecond timestamps in a long span the years 1677 to 2262, always four digits.
   */
  static String isoMicros(long epochNanos) {
    LocalDateTime time = LocalDateTime.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
        (int) Math.floorMod(epochNanos, 1_000_000_000L), ZoneOffset.UTC);
    char[] text = new char[27];
    digits(text, 0, time.getYear(), 4);
    text[4] = '-';
    digits(text, 5, time.getMonthValue(), 2);
    text[7] = '-';
    digits(text, 8, time.getDayOfMonth(), 2);
    text[10] = 'T';
    digits(text, 11, time.getHour(), 2);
    text[13] = ':';
    digits(text, 14, time.getMinute(), 2);
    text[16] = ':';
    digits(text, 17, time.getSecond(), 2);
    text[19] = '.';
    digits(text, 20, time.getNano() / 1000, 6);
    text[26] = 'Z';
    return new String(text);
  }

  /** Writes {@code value} as {@code count} decimal digits, zero-padded, ending at {@code at + count}. */
  private static void digits(char[] text, int at, int value, int count) {
    for (int i = at + count - 1; i >= at; i--) {
      text[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** A parent id, or null for none: an empty or all-zero id means no parent in W3C trace context. */
  private @Nullable String parentId(@Nullable String id) {
    if (id == null || id.isEmpty() || id.equals(ZERO_SPAN_ID)) {
      return null;
    }
    return validId(id, TraceIds.SPAN_ID_LENGTH);
  }

  /** {@code id} if valid, lowercased if that makes it valid, else a valid id derived from it. */
  private String validId(String id, int length) {
    if (isValid(id, length)) {
      return id;
    }
    String lower = id.toLowerCase(Locale.ROOT);
    if (isValid(lower, length)) {
      return lower;
    }
    warnOnce("a span had an invalid " + (length == TraceIds.TRACE_ID_LENGTH ? "trace" : "span")
        + " id; it was sent under a valid id derived from it");
    UUID uuid = UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8));
    String hex = String.format(Locale.ROOT, "%016x%016x", uuid.getMostSignificantBits(),
        uuid.getLeastSignificantBits()).substring(0, length);
    return isValid(hex, length) ? hex : hex.substring(0, length - 1) + '1';
  }

  private static boolean isValid(String id, int length) {
    return length == TraceIds.TRACE_ID_LENGTH ? TraceIds.isValidTraceId(id) : TraceIds.isValidSpanId(id);
  }

  private void warnOnce(String problem) {
    if (repairWarned.compareAndSet(false, true)) {
      log.warn("fluxtrace: {} (logged once; spans created by fluxtrace never need this)", problem);
    }
  }

  private static int estimateSize(List<SpanData> spans) {
    long size = 512;
    for (SpanData span : spans) {
      size += 1024 + length(span.input()) + length(span.output()) + length(span.metadata());
    }
    return (int) Math.min(size, 64L * 1024 * 1024);
  }

  private static int length(@Nullable String text) {
    return text == null ? 0 : text.length();
  }

  private static void stringAttribute(JsonGenerator g, SerializableString key, @Nullable String value)
      throws IOException {
    if (value == null) {
      return;
    }
    startAttribute(g, key);
    g.writeFieldName(Field.STRING_VALUE);
    g.writeString(JsonText.sanitize(value));
    endAttribute(g);
  }

  private static void intAttribute(JsonGenerator g, SerializableString key, long value) throws IOException {
    startAttribute(g, key);
    // OTLP/JSON writes int64 as a decimal string; Langfuse reads that form since mid-2026 (PR 14047).
    g.writeFieldName(Field.INT_VALUE);
    g.writeString(Long.toString(value));
    endAttribute(g);
  }

  private static void booleanAttribute(JsonGenerator g, SerializableString key, boolean value)
      throws IOException {
    startAttribute(g, key);
    g.writeFieldName(Field.BOOL_VALUE);
    g.writeBoolean(value);
    endAttribute(g);
  }

  /** Opens {@code {"key": key, "value": {}} so that the caller writes the one field of the value. */
  private static void startAttribute(JsonGenerator g, SerializableString key) throws IOException {
    g.writeStartObject();
    g.writeFieldName(Field.KEY);
    g.writeString(key);
    g.writeFieldName(Field.VALUE);
    g.writeStartObject();
  }

  private static void endAttribute(JsonGenerator g) throws IOException {
    g.writeEndObject();
    g.writeEndObject();
  }
}
