/**
 * Tail sampling: the spans of a trace that the head rate would drop are held, bounded, until the trace's local root
 * ends, and the trace is then kept or sampled out whole. Internal: no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.sampling;

import org.jspecify.annotations.NullMarked;
