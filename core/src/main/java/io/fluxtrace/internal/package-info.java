/**
 * Implementation of fluxtrace-core. Public only so that the other fluxtrace modules can use it: no
 * compatibility promise, may change in any release.
 */
@NullMarked
package io.fluxtrace.internal;

import org.jspecify.annotations.NullMarked;
