/** The README's "Trace your own app": the smallest complete program that sends one trace to Langfuse. */
@NullMarked
package io.fluxtrace.examples.quickstart;

import org.jspecify.annotations.NullMarked;
