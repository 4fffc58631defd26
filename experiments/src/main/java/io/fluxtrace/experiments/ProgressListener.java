package io.fluxtrace.experiments;

/**
 * Receives a run's {@link Progress}: at most once per configured interval while items finish, and once more when
 * the last item is done. Called on the thread that finished an item, never twice at the same time for one run:
 * keep it quick and non-blocking (print to a console, update a gauge). An exception it throws is logged once and
 * ignored; it never affects the run.
 */
@FunctionalInterface
public interface ProgressListener {

  /** A listener that ignores everything. */
  static ProgressListener none() {
    return progress -> { };
  }

  /** A new report. */
  void onProgress(Progress progress);
}
