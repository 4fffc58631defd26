package io.fluxtrace.spring.boot.autoconfigure;

import io.fluxtrace.FluxTracer;
import io.fluxtrace.spring.boot.FluxtraceProperties;
import io.fluxtrace.spring.boot.RequestTraceAttributes;
import io.fluxtrace.spring.boot.TraceJoin;
import io.fluxtrace.spring.boot.internal.FluxtraceWebFilter;
import io.fluxtrace.internal.config.TraceLinks;
import io.fluxtrace.spring.boot.internal.TracerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The WebFlux filter that writes each request's user, session, extra attributes and parent trace into the Reactor
 * Context of its handler ({@code fluxtrace.web.*}).
 */
@AutoConfiguration(after = {FluxtraceAutoConfiguration.class, FluxtraceTraceJoinAutoConfiguration.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
@ConditionalOnProperty(prefix = "fluxtrace.web", name = "enabled", matchIfMissing = true)
public class FluxtraceWebFluxAutoConfiguration {

  /** The filter; {@code RequestTraceAttributes} and {@code TraceJoin} beans are used in their order. */
  @Bean
  @ConditionalOnMissingBean
  public FluxtraceWebFilter fluxtraceWebFilter(FluxTracer tracer, FluxtraceProperties properties,
      ObjectProvider<TraceJoin> joins, ObjectProvider<RequestTraceAttributes> contributors, Environment environment) {
    String base = TracerFactory.langfuseBaseUrl(properties, TracerFactory.variables(environment));
    TraceLinks links = base == null ? null : new TraceLinks(base, properties.getTraceUrl().getProjectId());
    return new FluxtraceWebFilter(tracer, properties, joins.orderedStream().toList(),
        contributors.orderedStream().toList(), links);
  }
}
