/**
 * A small retrieval-augmented chat pipeline, traced with fluxtrace: the application code the demo and the WebFlux
 * sample share. Nothing here leaves the process: the document index and the chat model are deterministic fakes.
 */
@NullMarked
package io.fluxtrace.examples.rag;

import org.jspecify.annotations.NullMarked;
