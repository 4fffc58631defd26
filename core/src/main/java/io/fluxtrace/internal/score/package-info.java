/** The score side of the tracer. Internal: no compatibility promise. */
@NullMarked
package io.fluxtrace.internal.score;

import org.jspecify.annotations.NullMarked;
