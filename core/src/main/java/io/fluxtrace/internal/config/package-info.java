/** The tracer's validated configuration. Internal: no compatibility promise. */
@NullMarked
package io.fluxtrace.internal.config;

import org.jspecify.annotations.NullMarked;
