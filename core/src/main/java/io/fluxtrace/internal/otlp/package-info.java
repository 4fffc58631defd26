/**
 * OTLP/HTTP JSON encoding of ended spans, with the attribute names Langfuse reads. Internal: no compatibility
 * promise.
 */
@NullMarked
package io.fluxtrace.internal.otlp;

import org.jspecify.annotations.NullMarked;
