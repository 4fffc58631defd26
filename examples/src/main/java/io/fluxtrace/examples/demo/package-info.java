/**
 * The demo behind the README's first command: concurrent requests through a traced retrieval-augmented pipeline,
 * exported over real OTLP/HTTP, then printed as trace trees (or linked in Langfuse), after a flush that waits for
 * delivery.
 */
@NullMarked
package io.fluxtrace.examples.demo;

import org.jspecify.annotations.NullMarked;
