package io.fluxtrace.internal.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The writer's bytes, parsed with the official OTLP definitions (protobuf-java), field by field. */
class ProtoWriterTest {

  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
  private static final String SPAN_ID = "b7ad6b7169203331";

  @Test
  void aSpanWrittenByHandParsesWithTheOfficialDefinitions() throws Exception {
    String big = "x".repeat(100_000) + "\u4e2d\uD83D\uDE00";
    ProtoWriter out = new ProtoWriter(16);
    out.hexBytesField(1, TRACE_ID);
    out.hexBytesField(2, SPAN_ID);
    out.stringField(5, "generation \u00e9");
    out.varintField(6, 3);
    out.fixed64Field(7, 1_767_323_045_123_456_789L);
    out.fixed64Field(8, Long.MAX_VALUE);
    stringAttribute(out, "langfuse.observation.input", big);
    stringAttribute(out, "lone", "a\uD800b\uDC00c");
    int kv = out.startMessage(9);
    out.stringField(1, "n");
    int any = out.startMessage(2);
    out.varintField(3, 992);
    out.endMessage(any);
    out.endMessage(kv);
    kv = out.startMessage(9);
    out.stringField(1, "b");
    any = out.startMessage(2);
    out.boolField(2, true);
    out.endMessage(any);
    out.endMessage(kv);
    kv = out.startMessage(9);
    out.stringField(1, "d");
    any = out.startMessage(2);
    out.doubleField(4, 0.25);
    out.endMessage(any);
    out.endMessage(kv);
    int status = out.startMessage(15);
    out.stringField(2, "boom");
    out.varintField(3, 2);
    out.endMessage(status);

    Span span = Span.parseFrom(out.toByteArray());

    assertThat(span.getTraceId()).isEqualTo(ByteString.copyFrom(HexFormat.of().parseHex(TRACE_ID)));
    assertThat(span.getSpanId()).isEqualTo(ByteString.copyFrom(HexFormat.of().parseHex(SPAN_ID)));
    assertThat(span.getName()).isEqualTo("generation \u00e9");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(span.getStartTimeUnixNano()).isEqualTo(1_767_323_045_123_456_789L);
    assertThat(span.getEndTimeUnixNano()).isEqualTo(Long.MAX_VALUE);
    List<KeyValue> attributes = span.getAttributesList();
    assertThat(attributes).extracting(KeyValue::getKey).containsExactly("langfuse.observation.input", "lone", "n", "b", "d");
    assertThat(attributes.get(0).getValue().getStringValue()).isEqualTo(big);
    assertThat(attributes.get(1).getValue().getStringValue()).isEqualTo("a\uFFFDb\uFFFDc");
    assertThat(attributes.get(2).getValue()).isEqualTo(AnyValue.newBuilder().setIntValue(992).build());
    assertThat(attributes.get(3).getValue().getBoolValue()).isTrue();
    assertThat(attributes.get(4).getValue().getDoubleValue()).isEqualTo(0.25);
    assertThat(span.getStatus()).isEqualTo(
        Status.newBuilder().setMessage("boom").setCode(Status.StatusCode.STATUS_CODE_ERROR).build());
    assertThat(span.getUnknownFields().asMap()).isEmpty();
  }

  @Test
  void nestedLengthsOfEverySizeAreWrittenInPlace() throws Exception {
    for (int length : new int[] {0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152}) {
      ProtoWriter out = new ProtoWriter(4);
      out.varintField(6, 1);
      int kv = out.startMessage(9);
      out.stringField(1, "k".repeat(length));
      out.endMessage(kv);
      out.stringField(5, "after");

      Span span = Span.parseFrom(out.toByteArray());

      assertThat(span.getAttributes(0).getKey()).hasSize(length);
      assertThat(span.getName()).isEqualTo("after");
      assertThat(span.getKindValue()).isEqualTo(1);
    }
  }

  @Test
  void utf8IsWhatTheJdkWritesForWellFormedText() {
    for (String text : List.of("", "ascii", "\u00e9t\u00e9", "\u4e2d\u6587", "\uD83D\uDE00 ok", "\u07ff\u0800\uffff")) {
      byte[] expected = text.getBytes(StandardCharsets.UTF_8);
      assertThat(ProtoWriter.utf8Length(text)).isEqualTo(expected.length);
      byte[] written = new byte[expected.length];
      assertThat(ProtoWriter.writeUtf8(text, written, 0)).isEqualTo(expected.length);
      assertThat(written).isEqualTo(expected);
    }
    assertThat(ProtoWriter.utf8Length("\uD800")).isEqualTo(3);
    assertThat(ProtoWriter.utf8Length("\uDC00\uD800")).isEqualTo(6);
  }

  private static void stringAttribute(ProtoWriter out, String key, String value) {
    int kv = out.startMessage(9);
    out.stringField(1, key);
    int any = out.startMessage(2);
    out.stringField(1, value);
    out.endMessage(any);
    out.endMessage(kv);
  }
}
