/** io.fluxtrace.benchmarks. */
@NullMarked
package io.fluxtrace.benchmarks;

import org.jspecify.annotations.NullMarked;
