/**
 * The validated tracer configuration, environment defaults and endpoint/secret checks.
 * Implementation only: public so that the other fluxtrace modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.config;

import org.jspecify.annotations.NullMarked;
