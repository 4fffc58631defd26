/**
 * The fluxtrace core API: the tracer, spans and their immutable exported form.
 *
 * <p>Everything here is free of Reactor operators; the traced {@code Mono}/{@code Flux} operators live in
 * {@code io.fluxtrace.reactor} (artifact {@code fluxtrace-reactor}).
 */
@NullMarked
package io.fluxtrace;

import org.jspecify.annotations.NullMarked;
