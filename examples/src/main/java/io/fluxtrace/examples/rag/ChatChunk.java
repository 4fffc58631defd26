package io.fluxtrace.examples.rag;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One chunk of a streamed answer. Like real streaming chat APIs, only the last chunk carries usage and cost.
 *
 * @param text the text of this chunk
 * @param usage tokens by kind ({@code input}, {@code output}, {@code total}), on the last chunk only
 * @param cost USD by kind, on the last chunk only
 */
public record ChatChunk(String text, @Nullable Map<String, Long> usage, @Nullable Map<String, Double> cost) {}
