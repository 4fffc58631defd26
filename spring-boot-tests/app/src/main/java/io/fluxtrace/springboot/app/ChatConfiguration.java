package io.fluxtrace.springboot.app;

import io.fluxtrace.reactor.ReactorTracing;
import io.fluxtrace.reactor.TraceContext;
import io.fluxtrace.reactor.Traceparent;
import io.netty.util.Version;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Flux;

/** The chat route, the README's tracing filter, and the lines the tests read from the output. */
@Configuration(proxyBeanMethods = false)
class ChatConfiguration {

  /**
   * Every request: its user, its session and the caller's trace, for all routes (the README's filter). The starter
   * brings its own.
   */
  @Bean
  @ConditionalOnExpression("'${chat.tracer}' != 'starter'")
  WebFilter tracingFilter() {
    return (exchange, chain) -> {
      HttpHeaders headers = exchange.getRequest().getHeaders();
      return chain.filter(exchange)
          .contextWrite(TraceContext.userId(headers.getFirst("x-user-id")))
          .contextWrite(TraceContext.sessionId(headers.getFirst("x-session-id")))
          .contextWrite(TraceContext.traceparent(headers.getFirst(Traceparent.HEADER)));
    };
  }

  @Bean
  ChatHandler chatHandler(ReactorTracing tracing, @Value("${chat.pace}") Duration pace,
      @Value("${chat.chunks}") int chunks, @Value("${chat.gated}") boolean gated) {
    return new ChatHandler(tracing, pace, chunks, gated);
  }

  @Bean
  RouterFunction<ServerResponse> chatRoutes(ChatHandler handler) {
    return RouterFunctions.route(RequestPredicates.POST("/chat"), handler::chat)
        .andRoute(RequestPredicates.POST("/gate"), handler::openGate);
  }

  /**
   * Prints {@code CHAT-APP READY} with the port and the versions once the app serves requests, and the tracer's
   * figures once Spring's shutdown hook has closed the context (Spring Boot runs its shutdown handlers after
   * that). Diagnostics for the tests; the tracer's own hook may still be running then.
   */
  @Bean
  ApplicationListener<ApplicationReadyEvent> readyLine(ReactorTracing tracing, Environment environment) {
    return event -> {
      SpringApplication.getShutdownHandlers().add(() ->
          System.out.println("CHAT-APP CONTEXT-CLOSED stats=" + tracing.tracer().stats()));
      Version netty = Version.identify().get("netty-common");
      System.out.println("CHAT-APP READY port=" + environment.getProperty("local.server.port")
          + " tracer=" + environment.getProperty("chat.tracer")
          + " boot=" + SpringBootVersion.getVersion()
          + " reactor=" + Flux.class.getPackage().getImplementationVersion()
          + " netty=" + (netty == null ? "?" : netty.artifactVersion())
          + " tracing=" + tracing.tracer().isEnabled());
    };
  }
}
