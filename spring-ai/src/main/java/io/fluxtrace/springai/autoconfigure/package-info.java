/** Spring Boot auto-configuration of fluxtrace's Spring AI instrumentation. */
@NullMarked
package io.fluxtrace.springai.autoconfigure;

import org.jspecify.annotations.NullMarked;
