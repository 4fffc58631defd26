package io.fluxtrace.internal.util;

import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The only way fluxtrace logs: a Reactor {@link Logger} that can never throw. Whatever the backend behind
 * {@link Loggers} throws (a custom backend that fails, BlockHound rejecting a console write to stderr on a
 * non-blocking thread, an appender that errors) is swallowed, because a log line must never cost a span its
 * accounting: a warning that throws halfway through settling a batch would leave the batch, and every flush
 * waiting for it, unsettled forever. Only JVM-fatal errors ({@link Exceptions#throwIfJvmFatal}) go through.
 *
 * <p>Take one per instance, not in a static field, so that an instance created after
 * {@link Loggers#useCustomLoggers} logs there.
 */
public final class SafeLogger implements Logger {

  private final Logger delegate;

  private SafeLogger(Logger delegate) {
    this.delegate = delegate;
  }

  /** A logger named after {@code type} that never throws. */
  public static Logger of(Class<?> type) {
    Logger delegate;
    try {
      delegate = Loggers.getLogger(type);
    } catch (Throwable t) {
      Exceptions.throwIfJvmFatal(t);
      delegate = NoOp.INSTANCE;
    }
    return new SafeLogger(delegate);
  }

  /** {@code delegate}, made unable to throw. */
  public static Logger wrap(Logger delegate) {
    return delegate instanceof SafeLogger ? delegate : new SafeLogger(delegate);
  }

  private static void swallow(Throwable t) {
    Exceptions.throwIfJvmFatal(t);
  }

  @Override
  public String getName() {
    try {
      return delegate.getName();
    } catch (Throwable t) {
      swallow(t);
      return "fluxtrace";
    }
  }

  @Override
  public boolean isTraceEnabled() {
    try {
      return delegate.isTraceEnabled();
    } catch (Throwable t) {
      swallow(t);
      return false;
    }
  }

  @Override
  public void trace(String msg) {
    try {
      delegate.trace(msg);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void trace(String format, @Nullable Object @Nullable ... arguments) {
    try {
      delegate.trace(format, arguments);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void trace(String msg, Throwable error) {
    try {
      delegate.trace(msg, error);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public boolean isDebugEnabled() {
    try {
      return delegate.isDebugEnabled();
    } catch (Throwable t) {
      swallow(t);
      return false;
    }
  }

  @Override
  public void debug(String msg) {
    try {
      delegate.debug(msg);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void debug(String format, @Nullable Object @Nullable ... arguments) {
    try {
      delegate.debug(format, arguments);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void debug(String msg, Throwable error) {
    try {
      delegate.debug(msg, error);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public boolean isInfoEnabled() {
    try {
      return delegate.isInfoEnabled();
    } catch (Throwable t) {
      swallow(t);
      return false;
    }
  }

  @Override
  public void info(String msg) {
    try {
      delegate.info(msg);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void info(String format, @Nullable Object @Nullable ... arguments) {
    try {
      delegate.info(format, arguments);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void info(String msg, Throwable error) {
    try {
      delegate.info(msg, error);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public boolean isWarnEnabled() {
    try {
      return delegate.isWarnEnabled();
    } catch (Throwable t) {
      swallow(t);
      return false;
    }
  }

  @Override
  public void warn(String msg) {
    try {
      delegate.warn(msg);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void warn(String format, @Nullable Object @Nullable ... arguments) {
    try {
      delegate.warn(format, arguments);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void warn(String msg, Throwable error) {
    try {
      delegate.warn(msg, error);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public boolean isErrorEnabled() {
    try {
      return delegate.isErrorEnabled();
    } catch (Throwable t) {
      swallow(t);
      return false;
    }
  }

  @Override
  public void error(String msg) {
    try {
      delegate.error(msg);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void error(String format, @Nullable Object @Nullable ... arguments) {
    try {
      delegate.error(format, arguments);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public void error(String msg, Throwable error) {
    try {
      delegate.error(msg, error);
    } catch (Throwable t) {
      swallow(t);
    }
  }

  @Override
  public String toString() {
    return "SafeLogger{" + getName() + '}';
  }

  /** Stands in when even taking a logger failed. */
  private enum NoOp implements Logger {
    INSTANCE;

    @Override
    public String getName() {
      return "fluxtrace";
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public void trace(String msg) {}

    @Override
    public void trace(String format, @Nullable Object @Nullable ... arguments) {}

    @Override
    public void trace(String msg, Throwable t) {}

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public void debug(String msg) {}

    @Override
    public void debug(String format, @Nullable Object @Nullable ... arguments) {}

    @Override
    public void debug(String msg, Throwable t) {}

    @Override
    public boolean isInfoEnabled() {
      return false;
    }

    @Override
    public void info(String msg) {}

    @Override
    public void info(String format, @Nullable Object @Nullable ... arguments) {}

    @Override
    public void info(String msg, Throwable t) {}

    @Override
    public boolean isWarnEnabled() {
      return false;
    }

    @Override
    public void warn(String msg) {}

    @Override
    public void warn(String format, @Nullable Object @Nullable ... arguments) {}

    @Override
    public void warn(String msg, Throwable t) {}

    @Override
    public boolean isErrorEnabled() {
      return false;
    }

    @Override
    public void error(String msg) {}

    @Override
    public void error(String format, @Nullable Object @Nullable ... arguments) {}

    @Override
    public void error(String msg, Throwable t) {}
  }
}
