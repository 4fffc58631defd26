/**
 * Spring AI instrumentation (1.1 and 2.0): chat generations (call and stream, Spring AI's tool loop included), tool
 * executions, embeddings and retrievals, parented from the Reactor Context. Start with
 * {@link io.fluxtrace.springai.SpringAiTracing}.
 */
@NullMarked
package io.fluxtrace.springai;

import org.jspecify.annotations.NullMarked;
