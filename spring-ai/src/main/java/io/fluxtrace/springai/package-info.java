/**
 * Spring AI instrumentation: chat generations (call and stream, Spring AI's tool loop included), tool executions,
 * parented from the Reactor Context. Start with {@link io.fluxtrace.springai.SpringAiTracing}.
 */
@NullMarked
package io.fluxtrace.springai;

import org.jspecify.annotations.NullMarked;
