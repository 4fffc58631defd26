package io.fluxtrace.examples.webflux;

import io.fluxtrace.reactor.TraceContext;
import io.fluxtrace.reactor.Traceparent;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * For every request and route: the user ({@code x-user-id}) and session ({@code x-session-id}) of its trace, and
 * the caller's trace ({@code traceparent}). Missing headers write nothing; an invalid traceparent starts a new
 * trace.
 */
final class TracingWebFilter implements WebFilter {

  static final String USER_HEADER = "x-user-id";
  static final String SESSION_HEADER = "x-session-id";

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    HttpHeaders headers = exchange.getRequest().getHeaders();
    return chain.filter(exchange)
        .contextWrite(TraceContext.userId(headers.getFirst(USER_HEADER)))
        .contextWrite(TraceContext.sessionId(headers.getFirst(SESSION_HEADER)))
        .contextWrite(TraceContext.traceparent(headers.getFirst(Traceparent.HEADER)));
  }
}
