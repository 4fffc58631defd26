package io.fluxtrace.reactor.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import reactor.core.Exceptions;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Accounts for failures of the functions users hand to fluxtrace (input suppliers, output, usage and cost
 * functions, collectors) and of fluxtrace itself inside an operator. None of them may reach the user's pipeline:
 * each is counted, the first one is logged at WARN (later ones at DEBUG, so a function that fails on every element
 * cannot flood the log), and the caller records a placeholder instead of the value.
 *
 * <p>Internal: no compatibility promise.
 */
public final class UserFunctions {

  // Per instance, not static: an instance created after Loggers.useCustomLoggers(...) logs there.
  private final Logger log = Loggers.getLogger(UserFunctions.class);

  private final LongAdder failures = new LongAdder();
  private final AtomicBoolean warned = new AtomicBoolean();

  /** Failures counted so far. */
  public long failures() {
    return failures.sum();
  }

  /**
   * Counts and logs a failure of {@code what} in the span named {@code spanName}.
   *
   * @return the placeholder to record instead of the value
   * @throws Error only a JVM-fatal error, which Reactor itself never swallows either
   */
  public String failed(String what, String spanName, Throwable error) {
    Exceptions.throwIfJvmFatal(error);
    failures.increment();
    try {
      if (warned.compareAndSet(false, true)) {
        log.warn("fluxtrace: the {} of span '{}' failed; a placeholder is recorded instead and the pipeline goes on"
            + " (further failures are logged at DEBUG): {}", what, spanName, error.toString());
      } else if (log.isDebugEnabled()) {
        log.debug("fluxtrace: the {} of span '{}' failed: {}", what, spanName, error.toString());
      }
    } catch (Throwable t) {
      // A logger backend that throws (or an error whose toString() does) must not cost the span its end.
      Exceptions.throwIfJvmFatal(t);
    }
    return "<fluxtrace: " + what + " failed: " + error.getClass().getName() + ">";
  }
}
