package io.fluxtrace.internal.score;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.fluxtrace.ScoreData;
import io.fluxtrace.ScoreDataType;
import io.fluxtrace.internal.export.Timestamps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Encodes scores as {@code score-create} events of a Langfuse {@code POST /api/public/ingestion} batch (schemas
 * {@code IngestionEvent}, {@code ScoreEvent}, {@code ScoreBody} of the Langfuse OpenAPI description):
 *
 * <pre>{@code
 * {"batch":[{"id":"<event uuid>","type":"score-create","timestamp":"2026-11-22T10:15:30.123456Z",
 *            "body":{"id":"<score id>","name":"relevance","dataType":"NUMERIC","value":0.87,"traceId":"...",...}}],
 *  "metadata":{"batch_size":1,"sdk_name":"fluxtrace","sdk_version":"..."}}
 * }</pre>
 *
 * <p>{@code body.id} is always written: the server answers 201 for a score event without it and then drops it.
 * Absent fields are left out rather than written as null. Events are encoded one by one so that the sender can
 * cut requests by their exact size.
 */
public final class ScoreIngestionEncoder {

  /** The event type of a score. */
  public static final String EVENT_TYPE = "score-create";

  private static final byte[] BATCH_START = "{\"batch\":[".getBytes(StandardCharsets.UTF_8);
  private static final byte[] METADATA_FIELD = "],\"metadata\":".getBytes(StandardCharsets.UTF_8);
  // Microseconds, the resolution the ingestion API calls optimal; 'Z' is the zero offset the API requires.

  private final JsonFactory json = new JsonFactory();
  private final String sdkName;
  private final String sdkVersion;

  /** An encoder whose batches name this SDK in their metadata (for the server's debugging only). */
  public ScoreIngestionEncoder(String sdkName, String sdkVersion) {
    this.sdkName = sdkName;
    this.sdkVersion = sdkVersion;
  }

  /** One {@code score-create} event as UTF-8 JSON. */
  public byte[] event(ScoreData score, String eventId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("id", eventId);
      g.writeStringField("type", EVENT_TYPE);
      g.writeStringField("timestamp", Timestamps.isoMicros(score.timestampEpochNanos()));
      g.writeObjectFieldStart("body");
      g.writeStringField("id", score.id());
      g.writeStringField("name", score.name());
      g.writeStringField("dataType", score.dataType().name());
      writeValue(g, score);
      writeOptional(g, "traceId", score.traceId());
      writeOptional(g, "observationId", score.observationId());
      writeOptional(g, "sessionId", score.sessionId());
      writeOptional(g, "datasetRunId", score.datasetRunId());
      writeOptional(g, "environment", score.environment());
      writeOptional(g, "comment", score.comment());
      String metadata = score.metadata();
      if (metadata != null) {
        g.writeFieldName("metadata");
        g.writeRawValue(metadata);
      }
      writeOptional(g, "configId", score.configId());
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The request body around events encoded by {@link #event}. */
  public byte[] batch(List<byte[]> events) {
    byte[] metadata = metadata(events.size());
    ByteArrayOutputStream out = new ByteArrayOutputStream(batchSize(events) + metadata.length + 16);
    out.writeBytes(BATCH_START);
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) {
        out.write(',');
      }
      out.writeBytes(events.get(i));
    }
    out.writeBytes(METADATA_FIELD);
    out.writeBytes(metadata);
    out.write('}');
    return out.toByteArray();
  }

  private byte[] metadata(int batchSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(96);
    try (JsonGenerator g = json.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("batch_size", batchSize);
      g.writeStringField("sdk_name", sdkName);
      g.writeStringField("sdk_version", sdkVersion);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The bytes a batch of these events takes, without the fixed envelope. */
  private static int batchSize(List<byte[]> events) {
    int size = BATCH_START.length;
    for (byte[] e : events) {
      size += e.length + 1;
    }
    return size;
  }

  private static void writeValue(JsonGenerator g, ScoreData score) throws IOException {
    Double number = score.numericValue();
    if (score.dataType() == ScoreDataType.BOOLEAN && number != null) {
      g.writeNumberField("value", number == 1 ? 1 : 0);
    } else if (number != null) {
      g.writeNumberField("value", number);
    } else {
      g.writeStringField("value", score.stringValue());
    }
  }

  private static void writeOptional(JsonGenerator g, String field, @Nullable String value) throws IOException {
    if (value != null) {
      g.writeStringField(field, value);
    }
  }
}
