/**
 * Experiments on datasets: run a task over the items of a Langfuse dataset (or items from code) with bounded
 * concurrency, each item in its own trace carrying Langfuse's {@code langfuse.experiment.*} attributes, scored by
 * item-level and run-level evaluators, and complete only once everything is delivered. Start with
 * {@link io.fluxtrace.experiments.Experiment#builder(io.fluxtrace.FluxTracer)}.
 */
@NullMarked
package io.fluxtrace.experiments;

import org.jspecify.annotations.NullMarked;
