/**
 * How fluxtrace hooks into Spring AI: the chat model, tool-calling, embedding and vector store interceptors, the
 * {@code ChatClient} advisor and the scopes it opens, the per-invocation state that splits Spring AI 1.1's tool loop
 * into one generation per model call, the few calls that differ between Spring AI 1.1 and 2.0
 * ({@code SpringAiLine}), and the conversion of Spring AI's messages, usage and options into span attributes.
 *
 * <p>Internal: no compatibility promise.
 */
@NullMarked
package io.fluxtrace.springai.internal;

import org.jspecify.annotations.NullMarked;
