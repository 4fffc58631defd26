/**
 * The one HTTP transport: connection pool and client, fixed headers, verdicts, the retry schedule.
 * Implementation only: public so that the other fluxtrace modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.transport;

import org.jspecify.annotations.NullMarked;
