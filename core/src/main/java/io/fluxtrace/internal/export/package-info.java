/**
 * Wire encoding of ended spans: the OTLP request bodies. Internal: no compatibility promise, may change in any
 * release.
 */
@NullMarked
package io.fluxtrace.internal.export;

import org.jspecify.annotations.NullMarked;
