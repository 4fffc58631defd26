/**
 * Implementation of {@code io.fluxtrace.reactor}: Context keys, the traced operators and their subscriber.
 *
 * <p>Internal: public only so that the public package can reach it. No compatibility promise; do not use from
 * application code.
 */
@NullMarked
package io.fluxtrace.reactor.internal;

import org.jspecify.annotations.NullMarked;
