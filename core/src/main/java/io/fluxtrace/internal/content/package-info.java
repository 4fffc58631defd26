/**
 * Content encoding: user values to bounded JSON text, masking, the default object mapper.
 * Implementation only: public so that the other fluxtrace modules can use it, with no compatibility promise.
 */
@NullMarked
package io.fluxtrace.internal.content;

import org.jspecify.annotations.NullMarked;
