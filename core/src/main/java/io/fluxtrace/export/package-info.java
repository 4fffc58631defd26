/** The export extension point and the exporters that come with fluxtrace. */
@NullMarked
package io.fluxtrace.export;

import org.jspecify.annotations.NullMarked;
