/** A Spring Boot WebFlux chat service traced by the fluxtrace starter. */
@NullMarked
package io.fluxtrace.examples.springboot;

import org.jspecify.annotations.NullMarked;
