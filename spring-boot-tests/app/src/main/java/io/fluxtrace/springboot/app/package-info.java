/**
 * A Spring Boot WebFlux chat service traced with fluxtrace, run in its own JVM by the SIGTERM tests: an SSE
 * endpoint whose requests go through a traced retrieval, a tool call and a streaming generation, with a score.
 */
@NullMarked
package io.fluxtrace.springboot.app;

import org.jspecify.annotations.NullMarked;
