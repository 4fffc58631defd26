/** A long-running soak harness: mixed traced load against a loopback backend that injects faults. */
@NullMarked
package io.fluxtrace.benchmarks.soak;

import org.jspecify.annotations.NullMarked;
