package io.fluxtrace.spring.boot.internal;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a malformed fluxtrace setting into Spring Boot's startup report: what is wrong, and what to change. */
public final class InvalidConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidConfigurationException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidConfigurationException cause) {
    return new FailureAnalysis("Invalid fluxtrace configuration: " + cause.getMessage(),
        "Correct the fluxtrace.* property or LANGFUSE_* variable named above; see the properties table in"
            + " docs/spring-boot.md.", cause);
  }
}
