package io.fluxtrace.testing;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A {@link Loggers} backend whose every logging call throws what {@code failure} supplies (any custom backend can,
 * and so does BlockHound in its throwing mode when a console logger writes to stderr on a non-blocking thread).
 * Every level reports itself enabled, so that nothing is skipped before the throw. Install it in a
 * try-with-resources block: closing restores Reactor's default factory. Counts the calls it refused.
 */
@NullMarked
public final class ThrowingLoggers implements AutoCloseable {

  private final Supplier<? extends Throwable> failure;
  private final String namePrefix;
  private final AtomicLong calls = new AtomicLong();
  /** Reactor logs through the new factory while installing it: that one call is let through. */
  private volatile boolean armed;

  private ThrowingLoggers(Supplier<? extends Throwable> failure, String namePrefix) {
    this.failure = failure;
    this.namePrefix = namePrefix;
  }

  /** Routes every logger taken from now on to one that throws {@code failure.get()} (unchecked, or an Error). */
  public static ThrowingLoggers install(Supplier<? extends Throwable> failure) {
    return install(failure, "");
  }

  /**
   * Like {@link #install(Supplier)}, but only loggers whose name starts with {@code namePrefix} throw; the others
   * log nothing. With {@code "io.fluxtrace"}, Reactor Netty (which does not guard its own logging) keeps working.
   */
  public static ThrowingLoggers install(Supplier<? extends Throwable> failure, String namePrefix) {
    ThrowingLoggers loggers = installDisarmed(failure, namePrefix);
    loggers.arm();
    return loggers;
  }

  /**
   * Like {@link #install} but throwing only once {@link #arm()} is called: loggers taken before (by a tracer being
   * built) throw from then on, as with BlockHound installed after the tracer was built.
   */
  public static ThrowingLoggers installDisarmed(Supplier<? extends Throwable> failure, String namePrefix) {
    ThrowingLoggers loggers = new ThrowingLoggers(failure, namePrefix);
    Loggers.useCustomLoggers(name -> loggers.new Throwing(name));
    return loggers;
  }

  /** From now on every logging call throws. */
  public void arm() {
    armed = true;
  }

  /** How many logging calls threw so far. */
  public long calls() {
    return calls.get();
  }

  @Override
  public void close() {
    Loggers.resetLoggerFactory();
  }

  private void fail(String name) {
    if (!armed || !name.startsWith(namePrefix)) {
      return;
    }
    calls.incrementAndGet();
    Throwable t = failure.get();
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }

  private final class Throwing implements Logger {
    private final String name;

    Throwing(String name) {
      this.name = name;
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public boolean isTraceEnabled() {
      return true;
    }

    @Override
    public void trace(String msg) {
      fail(name);
    }

    @Override
    public void trace(String format, @Nullable Object @Nullable ... arguments) {
      fail(name);
    }

    @Override
    public void trace(String msg, Throwable t) {
      fail(name);
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public void debug(String msg) {
      fail(name);
    }

    @Override
    public void debug(String format, @Nullable Object @Nullable ... arguments) {
      fail(name);
    }

    @Override
    public void debug(String msg, Throwable t) {
      fail(name);
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public void info(String msg) {
      fail(name);
    }

    @Override
    public void info(String format, @Nullable Object @Nullable ... arguments) {
      fail(name);
    }

    @Override
    public void info(String msg, Throwable t) {
      fail(name);
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public void warn(String msg) {
      fail(name);
    }

    @Override
    public void warn(String format, @Nullable Object @Nullable ... arguments) {
      fail(name);
    }

    @Override
    public void warn(String msg, Throwable t) {
      fail(name);
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    public void error(String msg) {
      fail(name);
    }

    @Override
    public void error(String format, @Nullable Object @Nullable ... arguments) {
      fail(name);
    }

    @Override
    public void error(String msg, Throwable t) {
      fail(name);
    }
  }
}
