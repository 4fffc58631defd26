/**
 * The Spring Boot starter's public types: the {@code fluxtrace.*} properties and the extension points (tracer
 * customizers, per-request trace attributes, joining another tracer's trace). The auto-configuration itself is in
 * {@code io.fluxtrace.spring.boot.autoconfigure}.
 */
@NullMarked
package io.fluxtrace.spring.boot;

import org.jspecify.annotations.NullMarked;
