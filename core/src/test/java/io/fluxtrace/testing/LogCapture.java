package io.fluxtrace.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Captures, at every level, what is logged through {@link Loggers} by loggers taken while it is installed (fluxtrace
 * takes its loggers per instance, so a tracer built inside the capture logs here). Lock-free, so it is safe on
 * event loops under BlockHound. Install it in a try-with-resources block: closing restores Reactor's default
 * factory.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.install()) {
 *   ... build a tracer, run ...
 *   assertThat(logs.count("WARN", "masking hook")).isEqualTo(1);
 * }
 * }</pre>
 */
@NullMarked
public final class LogCapture implements AutoCloseable {

  /**
   * One logged message.
   *
   * @param level TRACE, DEBUG, INFO, WARN or ERROR
   * @param logger the logger's name
   * @param message the message with its arguments filled in, followed by the stack trace of a throwable if any
   */
  public record Entry(String level, String logger, String message) {
    @Override
    public String toString() {
      return level + " " + logger + ": " + message;
    }
  }

  private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();

  private LogCapture() {}

  /** Routes every logger taken from now on into a new capture. */
  public static LogCapture install() {
    LogCapture capture = new LogCapture();
    Loggers.useCustomLoggers(name -> capture.new CapturingLogger(name));
    return capture;
  }

  /** Everything captured so far, in order. */
  public List<Entry> entries() {
    return new ArrayList<>(entries);
  }

  /** Everything captured so far as text, one entry per line. */
  public String text() {
    StringBuilder out = new StringBuilder();
    for (Entry entry : entries) {
      out.append(entry).append('\n');
    }
    return out.toString();
  }

  /** The entries at {@code level} whose message contains {@code text}. */
  public List<Entry> matching(String level, String text) {
    return entries.stream().filter(e -> e.level().equals(level) && e.message().contains(text)).toList();
  }

  /** How many entries at {@code level} contain {@code text}. */
  public int count(String level, String text) {
    return matching(level, text).size();
  }

  /** Restores Reactor's default logger factory. */
  @Override
  public void close() {
    Loggers.resetLoggerFactory();
  }

  /** SLF4J-style formatting: each {@code {}} takes the next argument; a trailing extra throwable is appended. */
  static String format(String format, @Nullable Object... args) {
    StringBuilder out = new StringBuilder();
    int next = 0;
    int from = 0;
    for (int at = format.indexOf("{}"); at >= 0 && next < args.length; at = format.indexOf("{}", from)) {
      out.append(format, from, at).append(args[next++]);
      from = at + 2;
    }
    out.append(format, from, format.length());
    if (next < args.length && args[args.length - 1] instanceof Throwable t) {
      out.append('\n').append(stackTrace(t));
    }
    return out.toString();
  }

  private static String stackTrace(Throwable t) {
    StringWriter text = new StringWriter();
    t.printStackTrace(new PrintWriter(text));
    return text.toString();
  }

  private final class CapturingLogger implements Logger {
    private final String name;

    CapturingLogger(String name) {
      this.name = name;
    }

    private void log(String level, String format, @Nullable Object @Nullable ... args) {
      entries.add(new Entry(level, name, args == null ? format : format(format, args)));
    }

    private void log(String level, String message, Throwable t) {
      entries.add(new Entry(level, name, message + '\n' + stackTrace(t)));
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
      log("TRACE", msg);
    }

    @Override
    public void trace(String format, @Nullable Object @Nullable ... arguments) {
      log("TRACE", format, arguments);
    }

    @Override
    public void trace(String msg, Throwable t) {
      log("TRACE", msg, t);
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public void debug(String msg) {
      log("DEBUG", msg);
    }

    @Override
    public void debug(String format, @Nullable Object @Nullable ... arguments) {
      log("DEBUG", format, arguments);
    }

    @Override
    public void debug(String msg, Throwable t) {
      log("DEBUG", msg, t);
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public void info(String msg) {
      log("INFO", msg);
    }

    @Override
    public void info(String format, @Nullable Object @Nullable ... arguments) {
      log("INFO", format, arguments);
    }

    @Override
    public void info(String msg, Throwable t) {
      log("INFO", msg, t);
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public void warn(String msg) {
      log("WARN", msg);
    }

    @Override
    public void warn(String format, @Nullable Object @Nullable ... arguments) {
      log("WARN", format, arguments);
    }

    @Override
    public void warn(String msg, Throwable t) {
      log("WARN", msg, t);
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    public void error(String msg) {
      log("ERROR", msg);
    }

    @Override
    public void error(String format, @Nullable Object @Nullable ... arguments) {
      log("ERROR", format, arguments);
    }

    @Override
    public void error(String msg, Throwable t) {
      log("ERROR", msg, t);
    }
  }
}
