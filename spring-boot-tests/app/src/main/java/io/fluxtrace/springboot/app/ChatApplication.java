package io.fluxtrace.springboot.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The chat service. {@code chat.tracer} chooses how its tracer is set up and closed: {@code readme} (the README's
 * set-up, closed by the tracer's own JVM shutdown hook), {@code spring} (closed by Spring when the context
 * closes) or {@code starter} (no tracer code: fluxtrace's Spring Boot starter builds the tracer, the filter and
 * the lifecycle from properties; the other set-ups exclude its auto-configuration).
 */
@SpringBootApplication(proxyBeanMethods = false)
public class ChatApplication {

  /** Starts the service; SIGTERM stops it, with Spring Boot's graceful shutdown. */
  public static void main(String[] args) {
    SpringApplication.run(ChatApplication.class, args);
  }
}
