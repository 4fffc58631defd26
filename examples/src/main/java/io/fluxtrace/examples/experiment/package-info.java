/**
 * An experiment job: a dataset from code, a fake LLM task, two evaluators (one an LLM judge), run with the
 * experiment runner, traced to Langfuse or, without an account, to the demo's receiver in this process.
 */
@NullMarked
package io.fluxtrace.examples.experiment;

import org.jspecify.annotations.NullMarked;
