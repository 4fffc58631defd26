package io.fluxtrace.experiments;

import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where a run stands, as a {@link ProgressListener} sees it. The library never prints: {@link #bar(int)} and
 * {@link #line()} format it for whoever does (a bar redrawn in place on an interactive terminal, a plain line
 * otherwise, for logs and CI).
 *
 * @param runName the experiment run's name
 * @param done items finished (succeeded or failed)
 * @param total items in all, or -1 while unknown (items from a {@code Flux} that has not completed)
 * @param errors items whose task failed or timed out
 * @param itemsPerSecond finished items per second since the run started
 * @param eta the estimated time left, or null when unknown
 * @param finished whether every item is done (the last report of a run)
 */
public record Progress(String runName, long done, long total, long errors, double itemsPerSecond,
    @Nullable Duration eta, boolean finished) {

  /**
   * A one-line bar for an interactive terminal, without a line break, for example
   * {@code [##########----------] 500/1000  3 errors  120.5 items/s  ETA 4s}.
   *
   * @param width the number of characters of the bar itself
   */
  public String bar(int width) {
    int cells = Math.max(1, width);
    int filled = total > 0 ? (int) Math.min(cells, done * cells / total) : 0;
    return "[" + "#".repeat(filled) + "-".repeat(cells - filled) + "] " + counts() + "  " + errors + " errors  "
        + rate() + "  ETA " + etaText();
  }

  /** A plain line for logs, for example {@code qa-run: 500/1000 done, 3 errors, 120.5 items/s, ETA 4s}. */
  public String line() {
    return runName + ": " + counts() + " done, " + errors + " errors, " + rate() + ", ETA " + etaText();
  }

  private String counts() {
    return done + "/" + (total >= 0 ? Long.toString(total) : "?");
  }

  private String rate() {
    return String.format(Locale.ROOT, "%.1f items/s", itemsPerSecond);
  }

  private String etaText() {
    if (finished) {
      return "0s";
    }
    Duration left = eta;
    if (left == null) {
      return "?";
    }
    long seconds = Math.max(0, (left.toMillis() + 999) / 1000);
    return seconds >= 60 ? seconds / 60 + "m" + seconds % 60 + "s" : seconds + "s";
  }
}
