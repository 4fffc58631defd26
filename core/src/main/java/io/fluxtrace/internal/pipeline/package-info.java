/**
 * The bounded, flushable batching pipeline that carries ended spans and scores to their exporters, and the
 * counters of its outcomes. Implementation only: public so that the tracer can use it, with no compatibility
 * promise.
 */
@NullMarked
package io.fluxtrace.internal.pipeline;

import org.jspecify.annotations.NullMarked;
