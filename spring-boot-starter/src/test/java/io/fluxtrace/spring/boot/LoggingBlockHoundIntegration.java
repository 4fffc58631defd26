package io.fluxtrace.spring.boot;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Spring Boot logs through Logback to the console, which is a blocking write wherever it happens, event loops
 * included (a request handler's log line, Spring's own warnings). That is the application's logging set-up, not
 * fluxtrace's code, so it is allowed here; everything else stays checked.
 */
public final class LoggingBlockHoundIntegration implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend");
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes");
  }
}
