package io.fluxtrace.internal.content;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.time.ZoneId;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalAmount;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The mapper used for user content when the application configures none. It is tuned to turn whatever an
 * application passes as span input, output or metadata into valid JSON rather than to fail:
 *
 * <ul>
 *   <li>beans without properties become {@code {}} instead of an error;
 *   <li>a null map key is written as {@code "null"} (plain Jackson refuses the whole value);
 *   <li>NaN and infinities are written as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"},
 *       since JSON has no literal for them;
 *   <li>nesting deeper than {@value #MAX_NESTING_DEPTH} levels (in practice a cycle through collections) stops
 *       serialization well before the thread's stack would overflow;
 *   <li>{@code java.time} values are written as their ISO-8601 text and {@code Optional}s as their content,
 *       without the jackson-datatype modules (plain Jackson refuses both).
 * </ul>
 *
 * <p>An application that sets its own mapper keeps full control; values it cannot serialize become a
 * placeholder (see {@link ContentEncoder}).
 */
public final class DefaultObjectMapper {

  /** Deeper values are replaced by a placeholder: no real prompt or payload nests this deep. */
  public static final int MAX_NESTING_DEPTH = 500;

  private DefaultObjectMapper() {}

  /** A new mapper configured as described above. */
  public static ObjectMapper create() {
    JsonFactory factory = JsonFactory.builder()
        .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
        .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
        .build();
    ObjectMapper mapper = new ObjectMapper(factory)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .registerModule(javaTypesModule());
    mapper.getSerializerProvider().setNullKeySerializer(new NullKeySerializer());
    return mapper;
  }

  private static SimpleModule javaTypesModule() {
    SimpleModule module = new SimpleModule("fluxtrace-java-types");
    // toString() of every java.time value is its ISO-8601 form, what jackson-datatype-jsr310 writes as text.
    module.addSerializer(TemporalAccessor.class, ToStringSerializer.instance);
    module.addSerializer(TemporalAmount.class, ToStringSerializer.instance);
    module.addSerializer(ZoneId.class, ToStringSerializer.instance);
    module.addSerializer(new OptionalSerializer());
    module.addSerializer(OptionalInt.class, new PrimitiveOptionalSerializer<>(OptionalInt.class));
    module.addSerializer(OptionalLong.class, new PrimitiveOptionalSerializer<>(OptionalLong.class));
    module.addSerializer(OptionalDouble.class, new PrimitiveOptionalSerializer<>(OptionalDouble.class));
    return module;
  }

  /** Writes a null map key as {@code "null"}, as {@code String.valueOf} would. */
  private static final class NullKeySerializer extends StdSerializer<Object> {
    private static final long serialVersionUID = 1L;

    NullKeySerializer() {
      super(Object.class);
    }

    @Override
    public void serialize(Object value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeFieldName("null");
    }
  }

  /** Writes the content of an {@code Optional}, or null. */
  @SuppressWarnings("rawtypes")
  private static final class OptionalSerializer extends StdSerializer<Optional> {
    private static final long serialVersionUID = 1L;

    OptionalSerializer() {
      super(Optional.class);
    }

    @Override
    public void serialize(Optional value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      if (value.isPresent()) {
        provider.defaultSerializeValue(value.get(), gen);
      } else {
        gen.writeNull();
      }
    }
  }

  /** Writes the content of an {@code OptionalInt}, {@code OptionalLong} or {@code OptionalDouble}, or null. */
  private static final class PrimitiveOptionalSerializer<T> extends JsonSerializer<T> {
    private final Class<T> type;

    PrimitiveOptionalSerializer(Class<T> type) {
      this.type = type;
    }

    @Override
    public Class<T> handledType() {
      return type;
    }

    @Override
    public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      if (value instanceof OptionalInt o && o.isPresent()) {
        gen.writeNumber(o.getAsInt());
      } else if (value instanceof OptionalLong o && o.isPresent()) {
        gen.writeNumber(o.getAsLong());
      } else if (value instanceof OptionalDouble o && o.isPresent()) {
        gen.writeNumber(o.getAsDouble());
      } else {
        gen.writeNull();
      }
    }
  }
}
