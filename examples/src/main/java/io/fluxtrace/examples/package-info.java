/** io.fluxtrace.examples. */
@NullMarked
package io.fluxtrace.examples;

import org.jspecify.annotations.NullMarked;
