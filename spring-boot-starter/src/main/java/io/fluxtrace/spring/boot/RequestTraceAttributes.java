package io.fluxtrace.spring.boot;

import io.fluxtrace.TraceAttributes;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Adds trace-wide attributes per request in the auto-configured WebFlux filter, for example the user from Spring
 * Security's principal, tags, or the release:
 *
 * <pre>{@code
 * @Bean
 * RequestTraceAttributes tenant() {
 *   return exchange -> Mono.just(TraceAttributes.builder()
 *       .tags("tenant-" + exchange.getRequest().getHeaders().getFirst("x-tenant"))
 *       .build());
 * }
 * }</pre>
 *
 * <p>Every bean of this type is asked, in {@code @Order}; later answers override earlier single values (user,
 * session, ...) and add tags and metadata. The filter's header values come first. An empty {@code Mono} adds
 * nothing; an error is logged (rate-limited) and ignored, so a failing contributor never fails the request.
 */
@FunctionalInterface
public interface RequestTraceAttributes {

  /** The attributes of the request's trace. */
  Mono<TraceAttributes> attributes(ServerWebExchange exchange);
}
