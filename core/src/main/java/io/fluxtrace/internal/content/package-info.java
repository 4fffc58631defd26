/** User content: how it is captured when a span ends and turned into the JSON text that is exported. */
@NullMarked
package io.fluxtrace.internal.content;

import org.jspecify.annotations.NullMarked;
