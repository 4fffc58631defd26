/**
 * The starter's auto-configuration, listed in
 * {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports}. Every bean backs off when
 * the application defines its own ({@code @ConditionalOnMissingBean}); every optional integration is conditional
 * on its classes by name, so one jar runs on Spring Boot 3.5 and 4.
 */
@NullMarked
package io.fluxtrace.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
