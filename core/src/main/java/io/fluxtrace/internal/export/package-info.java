/**
 * Wire encoding of ended spans: OTLP/HTTP JSON, the Langfuse attribute mapping, the OTLP span exporter.
 * Implementation only: public so that the other fluxtrace modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.export;

import org.jspecify.annotations.NullMarked;
