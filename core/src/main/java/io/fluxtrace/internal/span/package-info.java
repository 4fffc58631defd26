/** The span runtime: what an ended span holds on its way from the thread that ended it to export. */
@NullMarked
package io.fluxtrace.internal.span;

import org.jspecify.annotations.NullMarked;
