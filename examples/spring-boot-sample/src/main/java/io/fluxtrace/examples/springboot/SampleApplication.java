package io.fluxtrace.examples.springboot;

import io.fluxtrace.TraceAttributes;
import io.fluxtrace.spring.boot.RequestTraceAttributes;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/**
 * The sample service. Tracing needs no code here: the starter builds the tracer from three properties, writes each
 * request's user ({@code x-user-id}) and session ({@code x-session-id}) into its trace, closes the tracer at the
 * right moment of shutdown, and adds meters and a health indicator. The one bean below is optional: it shows the
 * extension point for attributes of its own.
 */
@SpringBootApplication
public class SampleApplication {

  /** Starts the service; {@code GET /chat?q=...} streams an answer as server-sent events. */
  public static void main(String[] args) {
    SpringApplication.run(SampleApplication.class, args);
  }

  // README: spring-request-attributes
  @Bean
  RequestTraceAttributes channel() {
    return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst("x-channel"))
        .map(channel -> TraceAttributes.builder().tags("channel:" + channel).build());
  }
  // END README
}
