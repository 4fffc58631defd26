/** Tests of the Spring Boot starter, free of any class of one Spring Boot line so both lines run them. */
@NullMarked
package io.fluxtrace.spring.boot;

import org.jspecify.annotations.NullMarked;
