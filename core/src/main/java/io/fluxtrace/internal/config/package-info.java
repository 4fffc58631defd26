/**
 * The tracer's validated configuration, one record per concern. Implementation only: public so that the tracer
 * and fluxtrace's modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.config;

import org.jspecify.annotations.NullMarked;
