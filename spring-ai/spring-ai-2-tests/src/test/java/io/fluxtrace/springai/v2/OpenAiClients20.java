package io.fluxtrace.springai.v2;

import io.fluxtrace.springai.testing.OpenAiClients;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.OpenAiEmbeddingModel;
import org.springframework.ai.openai.OpenAiEmbeddingOptions;
import org.springframework.util.ClassUtils;

/** Spring AI 2.0's OpenAI clients: the OpenAI Java SDK, configured through the options. */
public final class OpenAiClients20 implements OpenAiClients {

  @Override
  public boolean supported() {
    return !ClassUtils.isPresent("org.springframework.ai.openai.api.OpenAiApi", getClass().getClassLoader());
  }

  @Override
  public ChatModel chatModel(String baseUrl, ToolCallingManager manager) {
    OpenAiChatOptions options = OpenAiChatOptions.builder()
        .baseUrl(baseUrl).apiKey("sk-fake").model("fake-model").streamUsage(true).maxRetries(0).build();
    return OpenAiChatModel.builder().options(options).toolCallingManager(manager).build();
  }

  @Override
  public EmbeddingModel embeddingModel(String baseUrl) {
    return OpenAiEmbeddingModel.builder()
        .options(OpenAiEmbeddingOptions.builder().baseUrl(baseUrl).apiKey("sk-fake").model("fake-embedding")
            .maxRetries(0).build())
        .build();
  }
}
