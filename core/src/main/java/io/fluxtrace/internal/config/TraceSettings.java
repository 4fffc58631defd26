package io.fluxtrace.internal.config;

import org.jspecify.annotations.Nullable;

/**
 * What every trace carries by default and which traces are kept.
 *
 * @param serviceName the {@code service.name} resource attribute
 * @param environment the default environment of every trace, or null
 * @param release the default release of every trace, or null
 * @param sampleRate the share of traces recorded, from 0.0 to 1.0
 */
public record TraceSettings(String serviceName, @Nullable String environment, @Nullable String release,
    double sampleRate) {}
