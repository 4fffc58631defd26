package io.fluxtrace.springai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import io.fluxtrace.springai.testing.FakeOpenAiServer;
import io.fluxtrace.springai.testing.OpenAiClients;
import io.fluxtrace.testing.OtlpJson;
import io.fluxtrace.testing.OtlpReceiver;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.vectorstore.QuestionAnswerAdvisor;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.rag.advisor.RetrievalAugmentationAdvisor;
import org.springframework.ai.rag.retrieval.search.VectorStoreDocumentRetriever;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.SimpleVectorStore;
import org.springframework.ai.vectorstore.VectorStore;

/**
 * Embeddings and retrieval with the real Spring AI classes: the OpenAI embedding client against the fake server,
 * {@code SimpleVectorStore}, and the RAG advisors in a {@code ChatClient}; every payload parsed strictly.
 */
class RetrievalTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeOpenAiServer openAi = FakeOpenAiServer.start(Duration.ofMillis(20), Duration.ofMillis(5));
  private final OtlpReceiver receiver = OtlpReceiver.start();
  private final FluxTracer tracer = FluxTracer.builder(Map.of())
      .publicKey("pk-lf-springai")
      .secretKey("sk-lf-springai")
      .baseUrl(receiver.baseUrl())
      .shutdownHook(false)
      .build();
  private final ReactorTracing tracing = ReactorTracing.create(tracer);
  private final SpringAiTracing springAi = SpringAiTracing.builder(tracing).price("fake-embedding-2026-01-01", 0.02, 0)
      .build();

  @AfterEach
  void close() {
    tracer.close();
    receiver.close();
    openAi.close();
  }

  private EmbeddingModel embeddingModel() {
    return springAi.embeddingModel(OpenAiClients.current().embeddingModel(openAi.baseUrl()));
  }

  /** A traced store holding three documents; the spans of filling it are dropped. */
  private VectorStore store() {
    // README: spring-ai-retrieval
    VectorStore store = springAi.vectorStore(SimpleVectorStore.builder(springAi.embeddingModel(embeddingModel)).build());
    // END README
    store.add(List.of(new Document("doc-oslo", "Oslo is cold in winter", Map.of()),
        new Document("doc-lima", "Lima is mild all year", Map.of()),
        new Document("doc-rome", "Rome is warm in summer", Map.of())));
    spans();
    receiver.reset();
    return store;
  }

  private final EmbeddingModel embeddingModel = OpenAiClients.current().embeddingModel(openAi.baseUrl());

  @Test
  void anEmbeddingCallRecordsModelInputCountAndUsage() {
    EmbeddingResponse response = embeddingModel().embedForResponse(List.of("one two three", "four five"));
    float[] single = embeddingModel().embed("six seven");
    assertThat(response.getResults()).hasSize(2);
    assertThat(single).hasSize(FakeOpenAiServer.EMBEDDING_DIMENSIONS);
    List<Span> spans = spans();
    assertThat(spans).hasSize(2).allSatisfy(s -> assertThat(type(s)).isEqualTo("embedding"));
    Span batch = spans.stream().filter(s -> metadata(s).path("inputCount").asInt() == 2).findFirst().orElseThrow();
    Map<String, Object> attributes = OtlpJson.attributes(batch);
    assertThat(attributes).containsEntry("langfuse.observation.model.name", "fake-embedding" + FakeOpenAiServer.MODEL_SUFFIX);
    assertThat(json(attributes, "langfuse.observation.usage_details"))
        .isEqualTo(JSON.createObjectNode().put("input", 5).put("total", 5));
    assertThat(json(attributes, "langfuse.observation.cost_details").path("total").asDouble())
        .isCloseTo(5 * 0.02 / 1e6, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(json(attributes, "langfuse.observation.input").findValuesAsText("")).isEmpty();
    assertThat(json(attributes, "langfuse.observation.input").get(0).asText()).isEqualTo("one two three");
    assertThat(json(attributes, "langfuse.observation.output").path("dimensions").asInt())
        .isEqualTo(FakeOpenAiServer.EMBEDDING_DIMENSIONS);
    Span one = spans.stream().filter(s -> s != batch).findFirst().orElseThrow();
    assertThat(json(OtlpJson.attributes(one), "langfuse.observation.usage_details").path("input").asInt()).isEqualTo(2);
  }

  @Test
  void aSimilaritySearchIsARetrieverWithIdsAndScoresAndItsQueryEmbeddingBelow() {
    VectorStore store = store();
    List<Document> found = store.similaritySearch(
        SearchRequest.builder().query("cold Oslo").topK(2).similarityThreshold(0.1).build());
    assertThat(found).hasSize(2);
    List<Span> spans = spans();
    assertThat(spans).hasSize(2);
    Span retriever = spans.stream().filter(s -> type(s).equals("retriever")).findFirst().orElseThrow();
    Span embedding = spans.stream().filter(s -> type(s).equals("embedding")).findFirst().orElseThrow();
    assertThat(OtlpJson.parentSpanId(embedding)).isEqualTo(OtlpJson.spanId(retriever));
    Map<String, Object> attributes = OtlpJson.attributes(retriever);
    JsonNode input = json(attributes, "langfuse.observation.input");
    assertThat(input.path("query").asText()).isEqualTo("cold Oslo");
    assertThat(input.path("topK").asInt()).isEqualTo(2);
    assertThat(input.path("similarityThreshold").asDouble()).isEqualTo(0.1);
    JsonNode output = json(attributes, "langfuse.observation.output");
    assertThat(output).hasSize(2);
    for (int i = 0; i < 2; i++) {
      assertThat(output.get(i).path("id").asText()).isEqualTo(found.get(i).getId());
      assertThat(output.get(i).path("score").asDouble()).isEqualTo(found.get(i).getScore());
    }
    assertThat(output.get(0).path("id").asText()).isEqualTo("doc-oslo");
  }

  private ChatClient chatClient(org.springframework.ai.chat.client.advisor.api.Advisor rag) {
    ChatModel model = springAi.chatModel(OpenAiClients.current().chatModel(openAi.baseUrl(),
        springAi.toolCallingManager(ToolCallingManager.builder().build())));
    return ChatClient.builder(model).defaultAdvisors(springAi.advisor(), rag).build();
  }

  @Test
  void questionAnswerAdvisorSearchesUnderTheRequestInAStream() {
    VectorStore store = store();
    String answer = chatClient(QuestionAnswerAdvisor.builder(store).build()).prompt().user("Is Oslo cold?")
        .stream().content()
        .transform(tracing.span("request").flux())
        .contextWrite(TraceContext.userId("rag-user"))
        .collect(Collectors.joining())
        .block(Duration.ofSeconds(30));
    assertThat(answer).startsWith("Answer: ").contains("Oslo is cold in winter");
    assertRagTrace(spans(), true);
  }

  @Test
  void retrievalAugmentationAdvisorSearchesUnderTheRequestInAStream() {
    VectorStore store = store();
    RetrievalAugmentationAdvisor rag = RetrievalAugmentationAdvisor.builder()
        .documentRetriever(VectorStoreDocumentRetriever.builder().vectorStore(store).topK(2).build())
        .build();
    String answer = chatClient(rag).prompt().user("Is Lima mild?").stream().content()
        .transform(tracing.span("request").flux())
        .contextWrite(TraceContext.userId("rag-user"))
        .collect(Collectors.joining())
        .block(Duration.ofSeconds(30));
    assertThat(answer).startsWith("Answer: ");
    assertRagTrace(spans(), true);
  }

  @Test
  void aBlockingCallWithQuestionAnswerAdvisorIsOneTrace() {
    VectorStore store = store();
    String answer = chatClient(QuestionAnswerAdvisor.builder(store).build()).prompt().user("Is Rome warm?").call()
        .content();
    assertThat(answer).startsWith("Answer: ");
    assertRagTrace(spans(), false);
  }

  private static void assertRagTrace(List<Span> spans, boolean underRequest) {
    assertThat(spans.stream().map(OtlpJson::traceId).distinct()).hasSize(1);
    Span retriever = spans.stream().filter(s -> type(s).equals("retriever")).findFirst().orElseThrow();
    Span embedding = spans.stream().filter(s -> type(s).equals("embedding")).findFirst().orElseThrow();
    Span generation = spans.stream().filter(s -> type(s).equals("generation")).findFirst().orElseThrow();
    assertThat(OtlpJson.parentSpanId(embedding)).isEqualTo(OtlpJson.spanId(retriever));
    if (underRequest) {
      Span request = spans.stream().filter(s -> s.getName().equals("request")).findFirst().orElseThrow();
      assertThat(spans).hasSize(4);
      assertThat(OtlpJson.parentSpanId(retriever)).isEqualTo(OtlpJson.spanId(request));
      assertThat(OtlpJson.parentSpanId(generation)).isEqualTo(OtlpJson.spanId(request));
      assertThat(OtlpJson.attributes(retriever)).containsEntry("langfuse.user.id", "rag-user");
      assertThat(OtlpJson.attributes(embedding)).containsEntry("langfuse.user.id", "rag-user");
    } else {
      // No Reactor Context: the search, first, starts the trace and the generation goes under it.
      assertThat(spans).hasSize(3);
      assertThat(OtlpJson.parentSpanId(retriever)).isNullOrEmpty();
      assertThat(OtlpJson.parentSpanId(generation)).isEqualTo(OtlpJson.spanId(retriever));
    }
    assertThat(json(OtlpJson.attributes(retriever), "langfuse.observation.output")).isNotEmpty();
  }

  private List<Span> spans() {
    assertThat(tracer.flushBlocking(Duration.ofSeconds(30)).completed()).isTrue();
    List<Span> spans = new ArrayList<>();
    for (OtlpReceiver.ReceivedRequest request : receiver.requests()) {
      spans.addAll(OtlpJson.spans(request.traces()));
    }
    return spans;
  }

  private static String type(Span span) {
    return String.valueOf(OtlpJson.attributes(span).get("langfuse.observation.type"));
  }

  private static JsonNode metadata(Span span) {
    Object metadata = OtlpJson.attributes(span).get("langfuse.observation.metadata");
    return metadata == null ? JSON.createObjectNode() : json(OtlpJson.attributes(span), "langfuse.observation.metadata");
  }

  private static JsonNode json(Map<String, Object> attributes, String key) {
    try {
      return JSON.readTree((String) attributes.get(key));
    } catch (Exception e) {
      throw new AssertionError(key + " is not JSON: " + attributes.get(key), e);
    }
  }
}
