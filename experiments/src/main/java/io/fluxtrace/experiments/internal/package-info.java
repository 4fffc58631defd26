/** The experiment runner's implementation: the run, the Langfuse dataset reader, aggregation. Internal. */
@NullMarked
package io.fluxtrace.experiments.internal;

import org.jspecify.annotations.NullMarked;
