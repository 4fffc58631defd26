package io.fluxtrace.internal.config;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Where the pipelines run and how the tracer shuts down.
 *
 * @param shutdownHook whether a JVM shutdown hook shuts the tracer down
 * @param shutdownTimeout the deadline of shutdown
 * @param shutdownQuietPeriod how long shutdown waits, once nothing is open or queued, for new work before it
 *     stops accepting
 * @param exportScheduler the scheduler that batches, encodes and times exports, or null for a dedicated thread
 */
public record LifecycleSettings(boolean shutdownHook, Duration shutdownTimeout, Duration shutdownQuietPeriod,
    @Nullable Scheduler exportScheduler) {}
