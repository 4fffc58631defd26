/**
 * Small commons of the implementation: safe logging, rate-limited logs, ids, the version.
 * Implementation only: public so that the other fluxtrace modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.util;

import org.jspecify.annotations.NullMarked;
