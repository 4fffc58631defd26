package io.fluxtrace.internal.export;

import static io.fluxtrace.testing.OtlpJson.attributes;
import static io.fluxtrace.testing.OtlpJson.spanId;
import static io.fluxtrace.testing.OtlpJson.spans;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.ContentKind;
import io.fluxtrace.ExperimentAttributes;
import io.fluxtrace.ObservationType;
import io.fluxtrace.SpanData;
import io.fluxtrace.TestConfigs;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.internal.span.RecordingSpan;
import io.fluxtrace.internal.span.SpanFixture;
import io.fluxtrace.testing.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code langfuse.experiment.*} attributes on the wire, in protobuf and JSON alike, parsed with the OTLP protos.
 */
class ExperimentAttributesEncodingTest {

  private static final ExperimentAttributes ITEM = ExperimentAttributes
      .run("exp-1", "nightly run", "prompt v3 against the golden set", "{\"model\":\"m-1\"}", "dataset-9")
      .withItem("item-3", "2026-12-01T10:00:00.000Z", "{\"topic\":\"billing\"}", "\"Paris\"");
  private static final List<String> RUN_KEYS = List.of("langfuse.experiment.id", "langfuse.experiment.name",
      "langfuse.experiment.description", "langfuse.experiment.metadata", "langfuse.experiment.dataset.id");
  private static final List<String> ITEM_KEYS = List.of("langfuse.experiment.item.id",
      "langfuse.experiment.item.version", "langfuse.experiment.item.metadata",
      "langfuse.experiment.item.root_observation_id", "langfuse.experiment.item.expected_output");

  private final LangfuseAttributes mapping = LangfuseAttributes.of(TestConfigs.config());

  /**
   * The spans as sent: encoded in both wire formats, each parsed with the official definitions (JSON strictly);
   * the protobuf request must be the JSON request, field by field.
   */
  private static List<Span> sent(LangfuseAttributes mapping, List<SpanData> spans) throws Exception {
    ExportTraceServiceRequest fromJson = OtlpJson.parse(new OtlpJsonWriter(mapping).encode(spans));
    ExportTraceServiceRequest fromProto =
        ExportTraceServiceRequest.parseFrom(new OtlpProtoWriter(mapping).encode(spans));
    assertThat(fromProto).isEqualTo(fromJson);
    return spans(fromProto);
  }

  @Test
  void everySpanCarriesTheRunAndOnlyTheRootTheItemWithItsOwnIdAsRootObservation() throws Exception {
    SpanFixture fixture = new SpanFixture(64 * 1024);
    TraceAttributes attributes = TraceAttributes.builder().environment("sdk-experiment").experiment(ITEM).build();
    RecordingSpan root = fixture.root("experiment-item-run", ObservationType.SPAN, attributes);
    RecordingSpan child = fixture.child(root.context(), "llm", ObservationType.GENERATION, attributes);
    RecordingSpan grandchild = fixture.child(child.context(), "judge", ObservationType.EVALUATOR, attributes);
    grandchild.end();
    child.end();
    root.end();

    List<Span> sent = sent(mapping, fixture.ended());

    assertThat(sent).hasSize(3);
    for (Span span : sent) {
      Map<String, Object> attrs = attributes(span);
      assertThat(attrs).containsEntry("langfuse.experiment.id", "exp-1")
          .containsEntry("langfuse.experiment.name", "nightly run")
          .containsEntry("langfuse.experiment.description", "prompt v3 against the golden set")
          .containsEntry("langfuse.experiment.metadata", "{\"model\":\"m-1\"}")
          .containsEntry("langfuse.experiment.dataset.id", "dataset-9")
          .containsEntry("langfuse.environment", "sdk-experiment");
      if (span.getParentSpanId().isEmpty()) {
        assertThat(attrs).containsEntry("langfuse.experiment.item.id", "item-3")
            .containsEntry("langfuse.experiment.item.version", "2026-12-01T10:00:00.000Z")
            .containsEntry("langfuse.experiment.item.metadata", "{\"topic\":\"billing\"}")
            .containsEntry("langfuse.experiment.item.root_observation_id", spanId(span))
            .containsEntry("langfuse.experiment.item.expected_output", "\"Paris\"");
        assertThat(spanId(span)).isEqualTo(root.context().spanId());
      } else {
        assertThat(attrs).doesNotContainKeys(ITEM_KEYS.toArray(String[]::new));
      }
    }
  }

  @Test
  void aTraceWithoutExperimentHasNoExperimentAttributesAndMissingOptionalValuesAreLeftOut() throws Exception {
    SpanFixture fixture = new SpanFixture(64 * 1024);
    fixture.root("plain", ObservationType.SPAN, TraceAttributes.builder().userId("u").build()).end();
    fixture.root("bare experiment", ObservationType.SPAN, TraceAttributes.builder()
        .experiment(ExperimentAttributes.run("exp-2", "bare", null, null, null)).build()).end();

    List<Span> sent = sent(mapping, fixture.ended());

    assertThat(attributes(sent.get(0))).doesNotContainKeys(RUN_KEYS.toArray(String[]::new))
        .doesNotContainKeys(ITEM_KEYS.toArray(String[]::new));
    assertThat(attributes(sent.get(1))).containsEntry("langfuse.experiment.id", "exp-2")
        .containsEntry("langfuse.experiment.name", "bare")
        .containsEntry("langfuse.experiment.item.root_observation_id", spanId(sent.get(1)))
        .doesNotContainKeys("langfuse.experiment.description", "langfuse.experiment.metadata",
            "langfuse.experiment.dataset.id", "langfuse.experiment.item.id",
            "langfuse.experiment.item.expected_output");
  }

  @Test
  void metadataThatIsNoJsonObjectIsLeftOutAndAHugeExpectedOutputIsCut() throws Exception {
    SpanFixture fixture = new SpanFixture(64 * 1024);
    LangfuseAttributes small =
        LangfuseAttributes.of(TestConfigs.config(TestConfigs.builder().maxValueBytes(1024)));
    ExperimentAttributes odd = ExperimentAttributes.run("exp-3", "odd", null, "[1,2]", null)
        .withItem("i", null, "not json", "\"" + "x".repeat(5000) + "\"");
    fixture.root("r", ObservationType.SPAN, TraceAttributes.builder().experiment(odd).build()).end();

    Map<String, Object> attrs = attributes(sent(small, fixture.ended()).get(0));

    assertThat(attrs).doesNotContainKeys("langfuse.experiment.metadata", "langfuse.experiment.item.metadata");
    assertThat(String.valueOf(attrs.get("langfuse.experiment.item.expected_output")))
        .startsWith("\"xxx").hasSizeLessThanOrEqualTo(1024);
  }

  @Test
  void theMaskerSeesTheExperimentMetadataAndExpectedOutput() throws Exception {
    SpanFixture fixture = new SpanFixture(new ObjectMapper(), (kind, value) ->
        kind == ContentKind.OUTPUT || kind == ContentKind.TRACE_METADATA
            ? value.toString().replace("secret", "[masked]") : value, 64 * 1024);
    ExperimentAttributes secret = ExperimentAttributes.run("exp-4", "masking", null, "{\"k\":\"secret\"}", null)
        .withItem("i", null, "{\"k\":\"secret\"}", "\"the secret answer\"");
    fixture.root("r", ObservationType.SPAN, TraceAttributes.builder().experiment(secret).build()).end();
    SpanData data = fixture.single();

    Map<String, Object> attrs = attributes(sent(mapping, List.of(data)).get(0));

    assertThat(attrs).containsEntry("langfuse.experiment.metadata", "{\"k\":\"[masked]\"}")
        .containsEntry("langfuse.experiment.item.metadata", "{\"k\":\"[masked]\"}")
        .containsEntry("langfuse.experiment.item.expected_output", "\"the [masked] answer\"");
  }
}
