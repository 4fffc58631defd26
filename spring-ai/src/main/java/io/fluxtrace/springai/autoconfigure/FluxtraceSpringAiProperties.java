package io.fluxtrace.springai.autoconfigure;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Spring AI instrumentation, under {@code fluxtrace.spring-ai}.
 *
 * @param enabled whether Spring AI calls are traced (default true)
 * @param captureContent whether prompts, completions, tool arguments and results, embedding inputs and search
 *     queries are recorded (default true; masking always applies)
 * @param prices USD per million tokens by model name, such as
 *     {@code fluxtrace.spring-ai.prices.gpt-4o-mini.input=0.15} and {@code ...output=0.6}
 * @param skipModels model names (requested or default) whose calls, and their tools, are not traced
 * @param skipBeans names of chat model, tool-calling manager, embedding model and vector store beans left alone
 */
@ConfigurationProperties("fluxtrace.spring-ai")
public record FluxtraceSpringAiProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("true") boolean captureContent,
    @Nullable Map<String, Price> prices,
    @Nullable List<String> skipModels,
    @Nullable List<String> skipBeans) {

  /**
   * The price of one model in USD per million tokens.
   *
   * @param input per million input tokens
   * @param output per million output tokens
   * @param cachedInput per million cached input tokens (default: the input price)
   */
  public record Price(double input, double output, @Nullable Double cachedInput) {}
}
