/** io.fluxtrace.reactor. */
@NullMarked
package io.fluxtrace.reactor;

import org.jspecify.annotations.NullMarked;
