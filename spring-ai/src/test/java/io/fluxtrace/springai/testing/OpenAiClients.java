package io.fluxtrace.springai.testing;

import java.util.ServiceLoader;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.model.tool.ToolCallingManager;

/**
 * Builds Spring AI's real OpenAI clients against a {@link FakeOpenAiServer}: the one place where the tests differ
 * between Spring AI 1.1 (its own {@code OpenAiApi} over WebClient/RestClient) and 2.0 (the OpenAI Java SDK). Each
 * line's tests register theirs with {@link ServiceLoader}; the one whose API is on the classpath is used.
 */
public interface OpenAiClients {

  /** Whether this line's API is on the classpath. */
  boolean supported();

  /**
   * An {@code OpenAiChatModel} of model {@code fake-model} with stream usage on, whose tool loop (where it runs in
   * the model) uses {@code manager}.
   */
  ChatModel chatModel(String baseUrl, ToolCallingManager manager);

  /** An {@code OpenAiEmbeddingModel} of model {@code fake-embedding}. */
  EmbeddingModel embeddingModel(String baseUrl);

  /** The implementation for the Spring AI line on the classpath. */
  static OpenAiClients current() {
    for (OpenAiClients clients : ServiceLoader.load(OpenAiClients.class)) {
      if (clients.supported()) {
        return clients;
      }
    }
    throw new IllegalStateException("no OpenAiClients for the Spring AI line on the classpath");
  }
}
