package io.fluxtrace.springai;

import io.fluxtrace.springai.testing.OpenAiClients;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.document.MetadataMode;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.OpenAiEmbeddingModel;
import org.springframework.ai.openai.OpenAiEmbeddingOptions;
import org.springframework.ai.openai.api.OpenAiApi;
import org.springframework.util.ClassUtils;

/** Spring AI 1.1's OpenAI clients: {@code OpenAiApi}. */
public final class OpenAiClients11 implements OpenAiClients {

  @Override
  public boolean supported() {
    return ClassUtils.isPresent("org.springframework.ai.openai.api.OpenAiApi", getClass().getClassLoader());
  }

  @Override
  public ChatModel chatModel(String baseUrl, ToolCallingManager manager) {
    OpenAiApi api = OpenAiApi.builder().baseUrl(baseUrl).apiKey("sk-fake").build();
    OpenAiChatOptions options = OpenAiChatOptions.builder().model("fake-model").streamUsage(true).build();
    return OpenAiChatModel.builder().openAiApi(api).defaultOptions(options).toolCallingManager(manager).build();
  }

  @Override
  public EmbeddingModel embeddingModel(String baseUrl) {
    OpenAiApi api = OpenAiApi.builder().baseUrl(baseUrl).apiKey("sk-fake").build();
    return new OpenAiEmbeddingModel(api, MetadataMode.EMBED,
        OpenAiEmbeddingOptions.builder().model("fake-embedding").build());
  }
}
