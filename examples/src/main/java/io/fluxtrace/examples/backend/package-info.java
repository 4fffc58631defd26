/**
 * Where the examples send their traces: Langfuse when its keys are set, otherwise a real OTLP/HTTP receiver in the
 * same process that decodes what it gets and prints it as trace trees. Either way the spans take the production
 * path: the tracer's bounded pipeline, the OTLP encoder (protobuf by default, JSON on request) and the HTTP sender.
 */
@NullMarked
package io.fluxtrace.examples.backend;

import org.jspecify.annotations.NullMarked;
