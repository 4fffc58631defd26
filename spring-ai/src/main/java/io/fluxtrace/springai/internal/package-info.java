/**
 * How fluxtrace hooks into Spring AI: the chat model and tool-calling interceptors, the per-invocation state that
 * splits Spring AI's tool loop into one generation per model call, and the conversion of Spring AI's messages, usage
 * and options into span attributes.
 *
 * <p>Internal: no compatibility promise.
 */
@NullMarked
package io.fluxtrace.springai.internal;

import org.jspecify.annotations.NullMarked;
