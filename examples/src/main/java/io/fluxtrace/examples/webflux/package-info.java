/**
 * A plain Spring WebFlux application on reactor-netty (no Spring Boot) whose chat endpoint streams a traced
 * generation as server-sent events. A {@code WebFilter} writes each request's user, session and incoming
 * {@code traceparent} into the Reactor Context.
 */
@NullMarked
package io.fluxtrace.examples.webflux;

import org.jspecify.annotations.NullMarked;
