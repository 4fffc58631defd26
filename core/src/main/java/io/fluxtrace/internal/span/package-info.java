/**
 * The span runtime: recording and non-recording spans, the end listener, open spans, the immutable data they end as.
 * Implementation only: public so that the other fluxtrace modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.span;

import org.jspecify.annotations.NullMarked;
