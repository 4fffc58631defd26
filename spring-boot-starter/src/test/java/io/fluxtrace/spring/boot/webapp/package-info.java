/** A traced Spring Boot WebFlux application for the starter's end-to-end tests. */
@NullMarked
package io.fluxtrace.spring.boot.webapp;

import org.jspecify.annotations.NullMarked;
