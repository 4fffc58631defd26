/**
 * OTLP/HTTP export: the reactor-netty sender with its retry policy, and the exporter that encodes batches and
 * hands them to it. Internal: no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.http;

import org.jspecify.annotations.NullMarked;
