/**
 * User content on its way out: masking, serialization and size limits. Internal: no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.content;

import org.jspecify.annotations.NullMarked;
