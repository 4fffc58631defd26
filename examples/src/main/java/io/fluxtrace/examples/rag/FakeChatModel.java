package io.fluxtrace.examples.rag;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;

/**
 * A deterministic stand-in for a streaming chat model: no network, and the same answer for the same prompt. It
 * answers with the first note of the prompt, streamed word by word on Reactor's parallel timer (another thread
 * hop), and reports usage and cost in the last chunk only, as streaming APIs do.
 */
public final class FakeChatModel {

  /** The model name recorded on generations. */
  public static final String MODEL = "fake-gpt-mini";
  /** What the model says when the prompt has no notes. */
  public static final String NO_ANSWER = "I could not find that in the documents.";
  /** The prefix of a note line in a prompt. */
  public static final String NOTE = "- ";

  private static final BigDecimal USD_PER_INPUT_TOKEN = new BigDecimal("0.00000015");
  private static final BigDecimal USD_PER_OUTPUT_TOKEN = new BigDecimal("0.0000006");

  private final Duration chunkDelay;

  /** A model that streams a chunk every {@code chunkDelay}. */
  public FakeChatModel(Duration chunkDelay) {
    this.chunkDelay = chunkDelay;
  }

  /** Streams the answer to {@code prompt}, one word per chunk; the last chunk carries usage and cost. */
  public Flux<ChatChunk> stream(String prompt) {
    List<String> words = chunks(answer(prompt));
    long input = tokens(prompt);
    long output = words.size();
    Map<String, Long> usage = new LinkedHashMap<>();
    usage.put("input", input);
    usage.put("output", output);
    usage.put("total", input + output);
    Map<String, Double> cost = new LinkedHashMap<>();
    BigDecimal inputCost = USD_PER_INPUT_TOKEN.multiply(BigDecimal.valueOf(input));
    BigDecimal outputCost = USD_PER_OUTPUT_TOKEN.multiply(BigDecimal.valueOf(output));
    cost.put("input", inputCost.doubleValue());
    cost.put("output", outputCost.doubleValue());
    cost.put("total", inputCost.add(outputCost).doubleValue());
    int last = words.size() - 1;
    return Flux.range(0, words.size())
        .delayElements(chunkDelay)
        .map(i -> i < last ? new ChatChunk(words.get(i), null, null) : new ChatChunk(words.get(i), usage, cost));
  }

  /** The answer to {@code prompt}: its first note, or {@link #NO_ANSWER}. */
  public static String answer(String prompt) {
    return prompt.lines()
        .filter(line -> line.startsWith(NOTE))
        .map(line -> line.substring(NOTE.length()))
        .findFirst()
        .orElse(NO_ANSWER);
  }

  /**
   * Words, each but the last with its following space, so that the chunks join back into the answer. A trailing
   * rather than a leading space: server-sent events drop one leading space of each data line.
   */
  private static List<String> chunks(String text) {
    String[] words = text.split(" ");
    List<String> chunks = new ArrayList<>(words.length);
    for (int i = 0; i < words.length; i++) {
      chunks.add(i < words.length - 1 ? words[i] + " " : words[i]);
    }
    return chunks;
  }

  private static long tokens(String text) {
    return text.split("\\s+").length;
  }
}
