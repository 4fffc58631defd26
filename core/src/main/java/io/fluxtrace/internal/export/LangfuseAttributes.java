package io.fluxtrace.internal.export;

import static io.fluxtrace.internal.export.AttributeNames.*;

import com.fasterxml.jackson.core.SerializableString;
import io.fluxtrace.ExperimentAttributes;
import io.fluxtrace.GenerationData;
import io.fluxtrace.ObservationLevel;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.TraceIds;
import io.fluxtrace.internal.config.LangfuseEnvironment;
import io.fluxtrace.internal.config.FieldSettings;
import io.fluxtrace.internal.config.TracerConfig;
import io.fluxtrace.internal.content.JsonObjectText;
import io.fluxtrace.internal.content.JsonText;
import io.fluxtrace.internal.content.JsonValue;
import io.fluxtrace.internal.util.FluxtraceVersion;
import io.fluxtrace.internal.util.SafeLogger;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;

/**
 * What Langfuse reads from an OTLP span, independent of the wire form: the resource attributes, the
 * instrumentation scope, each span's fields and its {@code langfuse.*} and GenAI attributes (see
 * {@code docs/langfuse-mapping.md}), the trace-wide ones on every span because Langfuse v4 reads them from
 * every span. Attributes go to an {@link AttributeSink}, so the JSON writer and any other wire writer share
 * this mapping.
 *
 * <p>Langfuse rejects a whole export with 400 if one span is malformed, so whatever a {@link SpanData} holds,
 * what this hands out is valid on any wire: every string is sanitized (lone surrogates become U+FFFD), names and
 * identifiers are cut to {@value #MAX_SHORT_TEXT_BYTES} bytes, an invalid trace or span id is replaced by a
 * valid one derived from it (so spans that shared the bad id still share the new one), negative or reversed
 * times are clamped, and values that must be JSON objects are only sent when they are. Spans built by fluxtrace
 * never need these repairs; they guard hand-made {@code SpanData} from custom code.
 *
 * <p><b>Instrumentation scope.</b> The scope is named {@value #SCOPE_NAME} on purpose: Langfuse copies every
 * raw span attribute into the observation's {@code metadata.attributes} unless the scope name starts with
 * {@code langfuse-sdk}, as its own SDKs' scopes do (Langfuse {@code OtelIngestionProcessor}, flag
 * {@code isLangfuseSDKSpans}). fluxtrace already sends every value through its dedicated {@code langfuse.*}
 * attribute, so that copy would only duplicate usage, model parameters and trace attributes into each
 * observation's metadata. The name matches no other special case there: the Python SDK fix-up wants exactly
 * {@code langfuse-sdk} with {@code telemetry.sdk.language=python}.
 *
 * <p>Thread-safe and stateless apart from a warn-once flag; per-batch state lives in a {@link Batch}.
 */
public final class LangfuseAttributes {

  /** The instrumentation scope name; see the class comment for why it starts with {@code langfuse-sdk}. */
  public static final String SCOPE_NAME = "langfuse-sdk-fluxtrace";
  /** The instrumentation scope version. */
  public static final String SCOPE_VERSION = FluxtraceVersion.VERSION;
  /** Names, identifiers, tags and model names are cut to this many UTF-8 bytes (Langfuse keeps 1000 chars). */
  public static final int MAX_SHORT_TEXT_BYTES = 1000;
  /** At most this many tags are sent per span. */
  public static final int MAX_TAGS = 1000;
  /** The name of a span whose name is blank. */
  static final String UNNAMED = "unnamed";

  /** OTLP {@code Span.SpanKind}. */
  private static final int SPAN_KIND_INTERNAL = 1;
  private static final int SPAN_KIND_CLIENT = 3;

  private static final String ZERO_SPAN_ID = "0000000000000000";

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = SafeLogger.of(LangfuseAttributes.class);

  private final String serviceName;
  private final String defaultEnvironment;
  private final @Nullable String defaultRelease;
  private final int maxValueBytes;
  private final AtomicBoolean repairWarned = new AtomicBoolean();
  private final @Nullable String serviceVersion;
  private final boolean genAiAttributes;

  /**
   * The mapping for a service, its default environment and release, and the size limit of one value.
   *
   * @param environment the default environment, normalized here; null for Langfuse's default
   */
  public LangfuseAttributes(String serviceName, @Nullable String environment, @Nullable String release,
      int maxValueBytes) {
    this(serviceName, environment, release, maxValueBytes, FieldSettings.DEFAULTS);
  }

  /**
   * As above, with the Langfuse field settings: the resource's {@code service.version} and whether the GenAI
   * attributes are sent.
   */
  public LangfuseAttributes(String serviceName, @Nullable String environment, @Nullable String release,
      int maxValueBytes, FieldSettings fields) {
    this.serviceName = JsonText.truncate(serviceName, MAX_SHORT_TEXT_BYTES, JsonText.TRUNCATED_MARKER);
    this.defaultEnvironment = LangfuseEnvironment.normalize(environment);
    this.defaultRelease = release;
    this.maxValueBytes = maxValueBytes;
    String version = fields.serviceVersion();
    this.serviceVersion = version == null ? null
        : JsonText.truncate(version, MAX_SHORT_TEXT_BYTES, JsonText.TRUNCATED_MARKER);
    this.genAiAttributes = fields.genAiAttributes();
  }

  /** The mapping for the service, default environment and release, and value size limit of {@code config}. */
  public static LangfuseAttributes of(TracerConfig config) {
    return new LangfuseAttributes(config.trace().serviceName(), config.trace().environment(),
        config.trace().release(), config.content().maxValueBytes(), config.fields());
  }

  /** Per-batch state: spans of one request share their trace attributes, so their encoded forms are reused. */
  public final class Batch {
    private @Nullable TraceAttributes last;
    private @Nullable String lastMetadata;
    private @Nullable List<String> lastTags;

    private Batch() {}

    private void of(TraceAttributes trace) {
      if (trace != last) {
        last = trace;
        lastMetadata = traceMetadataJson(trace.metadata());
        lastTags = trace.tags().isEmpty() ? null : tags(trace.tags());
      }
    }
  }

  /** The state for the spans of one export request. */
  public Batch batch() {
    return new Batch();
  }

  /** The resource attributes of every export. */
  public void resource(AttributeSink out) throws IOException {
    string(out, SERVICE_NAME, serviceName);
    string(out, SERVICE_VERSION, serviceVersion);
    string(out, TELEMETRY_SDK_NAME, FluxtraceVersion.SDK_NAME);
    string(out, TELEMETRY_SDK_LANGUAGE, "java");
    string(out, TELEMETRY_SDK_VERSION, FluxtraceVersion.VERSION);
  }

  /** The span's trace id, valid. */
  public String traceId(SpanData span) {
    return validId(span.traceId(), TraceIds.TRACE_ID_LENGTH);
  }

  /** The span's id, valid. */
  public String spanId(SpanData span) {
    return validId(span.spanId(), TraceIds.SPAN_ID_LENGTH);
  }

  /** The parent id, or null for none: an empty or all-zero id means no parent in W3C trace context. */
  public @Nullable String parentSpanId(SpanData span) {
    String id = span.parentSpanId();
    if (id == null || id.isEmpty() || id.equals(ZERO_SPAN_ID)) {
      return null;
    }
    return validId(id, TraceIds.SPAN_ID_LENGTH);
  }

  /** The span's name, cut and sanitized; {@value #UNNAMED} when blank. */
  public String name(SpanData span) {
    String text = shortText(span.name());
    return text == null || text.isBlank() ? UNNAMED : JsonText.sanitize(text);
  }

  /** A model call leaves the process: CLIENT, as the GenAI conventions say; everything else is INTERNAL. */
  public int kind(SpanData span) {
    ObservationType type = span.type();
    return type == ObservationType.GENERATION || type == ObservationType.EMBEDDING
        ? SPAN_KIND_CLIENT
        : SPAN_KIND_INTERNAL;
  }

  /** The start time, never negative. */
  public long startEpochNanos(SpanData span) {
    return Math.max(0, span.startEpochNanos());
  }

  /** The end time, never before the start. */
  public long endEpochNanos(SpanData span) {
    return Math.max(startEpochNanos(span), span.endEpochNanos());
  }

  /** Whether the span's OTLP status is ERROR. */
  public boolean isError(SpanData span) {
    return span.level() == ObservationLevel.ERROR;
  }

  /** The status message of an error, cut and sanitized; null for none. */
  public @Nullable String statusMessage(SpanData span) {
    String message = span.statusMessage();
    return message == null ? null : JsonText.sanitize(capped(message, maxValueBytes));
  }

  /**
   * The span's attributes: observation, generation, trace, experiment, and the app-root marker of a span whose
   * parent is remote.
   *
   * @param parentSpanId what {@link #parentSpanId} returned for the span
   */
  public void span(SpanData span, @Nullable String parentSpanId, Batch batch, AttributeSink out)
      throws IOException {
    observation(span, out);
    trace(span, batch, out);
    ExperimentAttributes experiment = span.traceAttributes().experiment();
    if (experiment != null) {
      experiment(experiment, parentSpanId == null || span.parentRemote() ? span : null, out);
    }
    langfuseParity(span, parentSpanId != null && span.parentRemote(), out);
    if (genAiAttributes) {
      genAi(span, out);
    }
  }

  private void observation(SpanData span, AttributeSink out) throws IOException {
    string(out, OBSERVATION_TYPE, span.type().wireName());
    string(out, OBSERVATION_LEVEL, span.level().name());
    String statusMessage = span.statusMessage();
    if (statusMessage != null) {
      string(out, OBSERVATION_STATUS_MESSAGE, capped(statusMessage, maxValueBytes));
    }
    string(out, OBSERVATION_INPUT, span.input());
    string(out, OBSERVATION_OUTPUT, span.output());
    String metadata = span.metadata();
    if (metadata != null && isJsonObject(metadata)) {
      string(out, OBSERVATION_METADATA, metadata);
    }
    GenerationData generation = span.generation();
    if (generation != null) {
      generation(generation, out);
    }
  }

  private void generation(GenerationData generation, AttributeSink out) throws IOException {
    String model = shortText(generation.model());
    if (model != null) {
      string(out, OBSERVATION_MODEL, model);
    }
    String parameters = generation.modelParameters();
    if (parameters != null && isJsonObject(parameters)) {
      string(out, OBSERVATION_MODEL_PARAMETERS, parameters);
    }
    Map<String, Long> usage = generation.usageDetails();
    string(out, OBSERVATION_USAGE_DETAILS, detailsJson(usage));
    string(out, OBSERVATION_COST_DETAILS, detailsJson(generation.costDetails()));
    long completionStart = generation.completionStartEpochNanos();
    if (completionStart > 0) {
      string(out, OBSERVATION_COMPLETION_START_TIME, Timestamps.isoMicros(completionStart));
    }
    String promptName = shortText(generation.promptName());
    Integer promptVersion = generation.promptVersion();
    if (promptName != null && promptVersion != null) {
      string(out, OBSERVATION_PROMPT_NAME, promptName);
      out.integer(OBSERVATION_PROMPT_VERSION, promptVersion);
    }
  }

  private void trace(SpanData span, Batch batch, AttributeSink out) throws IOException {
    TraceAttributes trace = span.traceAttributes();
    string(out, TRACE_NAME, shortText(trace.traceName()));
    string(out, USER_ID, shortText(trace.userId()));
    string(out, SESSION_ID, shortText(trace.sessionId()));
    batch.of(trace);
    List<String> tags = batch.lastTags;
    if (tags != null) {
      out.strings(TRACE_TAGS, tags);
    }
    string(out, TRACE_METADATA, batch.lastMetadata);
    Boolean isPublic = trace.isPublic();
    if (isPublic != null) {
      out.bool(TRACE_PUBLIC, isPublic);
    }
    String release = trace.release();
    string(out, RELEASE, shortText(release != null ? release : defaultRelease));
    // The observation's own version replaces the trace's on this span (Langfuse reads it per observation).
    String version = span.version();
    string(out, VERSION, shortText(version != null ? version : trace.version()));
    String environment = trace.environment();
    string(out, ENVIRONMENT, environment == null ? defaultEnvironment : LangfuseEnvironment.normalize(environment));
  }

  // ---- Langfuse parity and GenAI attributes (issue 17).

  /**
   * The trace-root markers of an application root under a remote parent, and the trace input/output overrides.
   * {@code langfuse.internal.as_root} makes Langfuse's conversion treat the span as the trace root (so its input and
   * output become the trace's) on the legacy write path too, as Langfuse's Python SDK marks a span started under a
   * remote parent; {@code is_app_root} does it on the v4 path.
   */
  private static void langfuseParity(SpanData span, boolean appRoot, AttributeSink out) throws IOException {
    if (appRoot) {
      out.bool(IS_APP_ROOT, true);
      out.bool(AS_ROOT, true);
    }
    string(out, TRACE_INPUT, span.traceInput());
    string(out, TRACE_OUTPUT, span.traceOutput());
  }

  /**
   * The OpenTelemetry GenAI semantic-convention attributes, for backends other than Langfuse. Langfuse reads each
   * of them only as a fallback for a {@code langfuse.*} attribute that fluxtrace always sends when it has the value
   * (model, usage, session; the observation type before the operation name), and its copy of raw attributes into
   * metadata is off for this scope, so nothing is read or counted twice. No content is duplicated: messages stay
   * in {@code langfuse.observation.input/output}. Agents get no operation name on purpose: Langfuse treats
   * {@code invoke_agent} spans as aggregates and ignores their model, usage and cost.
   */
  private static void genAi(SpanData span, AttributeSink out) throws IOException {
    String operation = operationName(span.type());
    if (operation != null) {
      string(out, GEN_AI_OPERATION_NAME, operation);
    }
    GenerationData generation = span.generation();
    if (generation != null) {
      string(out, GEN_AI_PROVIDER_NAME, shortText(generation.provider()));
      string(out, GEN_AI_REQUEST_MODEL, shortText(generation.model()));
      Map<String, Long> usage = generation.usageDetails();
      Long inputTokens = firstUsage(usage, "input", "input_tokens", "prompt_tokens");
      if (inputTokens != null) {
        // OTLP/JSON writes int64 as a decimal string; Langfuse reads that form since mid-2026 (PR 14047).
        out.integer(GEN_AI_USAGE_INPUT_TOKENS, inputTokens);
      }
      Long outputTokens = firstUsage(usage, "output", "output_tokens", "completion_tokens");
      if (outputTokens != null) {
        out.integer(GEN_AI_USAGE_OUTPUT_TOKENS, outputTokens);
      }
    }
    string(out, GEN_AI_CONVERSATION_ID, shortText(span.traceAttributes().sessionId()));
  }

  // ---- end of the Langfuse parity and GenAI attributes.

  /**
   * The run attributes on every span of an experiment item's trace; the item attributes only on its root
   * ({@code root}, null for other spans), which is also the item's root observation, as Langfuse reads them.
   */
  private void experiment(ExperimentAttributes experiment, @Nullable SpanData root, AttributeSink out)
      throws IOException {
    string(out, EXPERIMENT_ID, shortText(experiment.id()));
    string(out, EXPERIMENT_NAME, shortText(experiment.name()));
    string(out, EXPERIMENT_DESCRIPTION, cappedOrNull(experiment.description()));
    string(out, EXPERIMENT_METADATA, jsonObjectOrNull(experiment.metadata()));
    string(out, EXPERIMENT_DATASET_ID, shortText(experiment.datasetId()));
    if (root == null) {
      return;
    }
    string(out, EXPERIMENT_ITEM_ID, shortText(experiment.itemId()));
    string(out, EXPERIMENT_ITEM_VERSION, shortText(experiment.itemVersion()));
    string(out, EXPERIMENT_ITEM_METADATA, jsonObjectOrNull(experiment.itemMetadata()));
    string(out, EXPERIMENT_ITEM_ROOT_OBSERVATION_ID, validId(root.spanId(), TraceIds.SPAN_ID_LENGTH));
    string(out, EXPERIMENT_ITEM_EXPECTED_OUTPUT, cappedOrNull(experiment.itemExpectedOutput()));
  }

  /**
   * A string attribute if there is a value. The sink repairs lone surrogates as it writes (see {@link AttributeSink}):
   * content is the longest text sent, and a separate sanitizing pass here would read it once more.
   */
  private static void string(AttributeSink out, SerializableString key,
      @Nullable String value) throws IOException {
    if (value != null) {
      out.string(key, value);
    }
  }

  /** The tags sent: cut, sanitized, at most {@value #MAX_TAGS} and {@code maxValueBytes} in all. */
  private List<String> tags(List<String> tags) {
    List<String> sent = new ArrayList<>(Math.min(tags.size(), MAX_TAGS));
    long bytes = 0;
    for (String tag : tags) {
      String text = shortText(tag);
      if (text == null) {
        continue;
      }
      bytes += text.length();
      if (sent.size() == MAX_TAGS || bytes > maxValueBytes) {
        warnOnce("more than " + MAX_TAGS + " tags or " + maxValueBytes + " bytes of tags; the rest were left out");
        break;
      }
      sent.add(JsonText.sanitize(text));
    }
    return sent;
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

  private @Nullable String traceMetadataJson(Map<String, Object> metadata) {
    if (metadata.isEmpty()) {
      return null;
    }
    JsonObjectText object = new JsonObjectText(maxValueBytes);
    for (Map.Entry<String, Object> entry : metadata.entrySet()) {
      Object value = entry.getValue();
      if (value == null) {
        continue;
      }
      long room = object.startEntry(String.valueOf(entry.getKey()));
      if (room >= 0) {
        object.value(metadataValueJson(value, (int) room));
      }
    }
    return object.finish();
  }

  /**
   * A trace metadata value as JSON of at most {@code room} bytes: a string quoted; a structured value recorded by the
   * span ({@link JsonValue}) as its JSON, or, when the object has less room left for it, as much of that JSON as fits
   * in a string with the truncation marker, as any truncated content is. A structured value that was never recorded
   * (hand-made {@code SpanData}) is sent as its string form: the mapping does not serialize application objects.
   */
  private static String metadataValueJson(Object value, int room) {
    if (value instanceof JsonValue json && !JsonText.exceeds(json.json(), room)) {
      return json.json();
    }
    return JsonText.quote(String.valueOf(value), room, JsonText.TRUNCATED_MARKER);
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
      if (json.length() > 1) {
        json.append(',');
      }
      JsonText.appendQuoted(json, entry.getKey(), MAX_SHORT_TEXT_BYTES, JsonText.TRUNCATED_MARKER);
      json.append(':').append(value);
    }
    return json.length() == 1 ? null : json.append('}').toString();
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
}
