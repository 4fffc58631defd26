package io.fluxtrace.internal.config;

import static io.fluxtrace.internal.config.EndpointValidation.require;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * Where the pipelines run and how the tracer shuts down. Validated when built, with messages naming the builder
 * setting.
 *
 * @param shutdownHook whether a JVM shutdown hook shuts the tracer down
 * @param shutdownTimeout the deadline of shutdown
 * @param shutdownQuietPeriod how long shutdown waits, once nothing is open or queued, for new work before it
 *     stops accepting
 * @param exportScheduler the scheduler that batches, encodes and times exports, or null for a dedicated thread
 */
public record LifecycleSettings(boolean shutdownHook, Duration shutdownTimeout, Duration shutdownQuietPeriod,
    @Nullable Scheduler exportScheduler) {

  public LifecycleSettings {
    require(!shutdownTimeout.isNegative(), "shutdownTimeout", "zero or positive", shutdownTimeout.toString());
    require(!shutdownQuietPeriod.isNegative(), "shutdownQuietPeriod", "zero or positive",
        shutdownQuietPeriod.toString());
    require(shutdownQuietPeriod.compareTo(shutdownTimeout) <= 0, "shutdownQuietPeriod",
        "at most shutdownTimeout (" + shutdownTimeout + ")", shutdownQuietPeriod.toString());
  }
}
