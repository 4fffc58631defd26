/** The starter's implementation: no compatibility promise. */
@NullMarked
package io.fluxtrace.spring.boot.internal;

import org.jspecify.annotations.NullMarked;
