/**
 * Tracing for Project Reactor pipelines: each step is wrapped as a {@code Mono}/{@code Flux} operator, and the
 * current span travels in the Reactor Context of each subscription, never in thread state.
 *
 * <ul>
 *   <li>{@link io.fluxtrace.reactor.ReactorTracing}: the entry point, bound to one tracer; names steps of every
 *       Langfuse observation type and events.
 *   <li>{@link io.fluxtrace.reactor.TracedStep}: a step to trace, turned into an operator for {@code transform}.
 *       One span per subscription, ended once on value, complete, error or cancel.
 *   <li>{@link io.fluxtrace.reactor.TracedEvent}: a point-in-time event under the current span.
 *   <li>{@link io.fluxtrace.reactor.TraceContext}: per-request trace attributes and the incoming trace for
 *       {@code contextWrite}, and readers of the current span, trace id and outgoing {@code traceparent}.
 *   <li>{@link io.fluxtrace.reactor.Traceparent}: strict W3C {@code traceparent} parsing and formatting.
 * </ul>
 *
 * <p>Tracing never changes the user's signals: values, errors and completion pass through unchanged, in order,
 * on their thread; failures of tracing or of the user's extraction functions are counted and replaced by
 * placeholders, never thrown into the pipeline.
 */
@NullMarked
package io.fluxtrace.reactor;

import org.jspecify.annotations.NullMarked;
