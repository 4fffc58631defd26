package io.fluxtrace.springboot.app;

import io.fluxtrace.testing.NettyAllocatorBlockHoundIntegration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The app JVM's main in the tests: installs BlockHound before Spring starts, then runs {@link ChatApplication}.
 * Every blocking call on a non-blocking thread is reported on stderr, once per distinct stack
 * ({@code BLOCKHOUND-REPORT ...} followed by the stack), instead of thrown into the app, so that the tests can say
 * what BlockHound found without changing what the app does. The integrations on the classpath are loaded (Reactor's,
 * Netty's, Spring's) except the test-only allowance for Netty 4.2's adaptive allocator: in the app we want to see it.
 */
public final class BlockHoundChatApplication {

  /** Marks a report on stderr; the tests look for it. */
  static final String REPORT = "BLOCKHOUND-REPORT";

  /** Printed once BlockHound is installed, with whether it caught the self-test's blocking call. */
  static final String INSTALLED = "BLOCKHOUND-INSTALLED";

  private static volatile boolean selfTestCaught;
  private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();
  /** Printing a report blocks too, and would report itself: one report per thread at a time. */
  private static final ThreadLocal<Boolean> REPORTING = ThreadLocal.withInitial(() -> false);

  private BlockHoundChatApplication() {}

  /** Installs BlockHound, then starts the app with {@code args}. */
  public static void main(String[] args) {
    BlockHound.Builder builder = BlockHound.builder();
    for (BlockHoundIntegration integration : java.util.ServiceLoader.load(BlockHoundIntegration.class)) {
      if (!(integration instanceof NettyAllocatorBlockHoundIntegration)) {
        builder.with(integration);
      }
    }
    builder.blockingMethodCallback(BlockHoundChatApplication::report).install();
    // Proof that BlockHound watches this JVM: a sleep on a parallel thread must be caught (and is not reported).
    Mono.fromRunnable(BlockHoundChatApplication::selfTest).subscribeOn(Schedulers.parallel()).block();
    System.out.println(INSTALLED + " selfTestCaught=" + selfTestCaught);
    ChatApplication.main(args);
  }

  private static void selfTest() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Whether fluxtrace's own work blocked: on one of its transport threads, or with fluxtrace's core (span ending,
   * pipeline, export) on the stack. A signal of the application's pipeline that merely passes through a traced
   * step's subscriber (a cancel reaching a {@code Flux.interval}, say) is the application's or Reactor's.
   */
  static boolean isFluxtraces(String thread, StackTraceElement[] stack) {
    return thread.startsWith("fluxtrace-") || Arrays.stream(stack)
        .anyMatch(frame -> frame.getClassName().startsWith("io.fluxtrace.internal.")
            || frame.getClassName().startsWith("io.fluxtrace.FluxTracer"));
  }

  private static void report(BlockingMethod method) {
    if (REPORTING.get()) {
      return;
    }
    if (StackWalker.getInstance().walk(frames -> frames.anyMatch(f -> f.getMethodName().equals("selfTest")
        && f.getClassName().equals(BlockHoundChatApplication.class.getName())))) {
      selfTestCaught = true;
      return;
    }
    REPORTING.set(true);
    try {
      StackTraceElement[] stack = new Throwable().getStackTrace();
      String frames = Arrays.stream(stack).skip(1).limit(40).map(String::valueOf)
          .collect(Collectors.joining("\n\tat ", "\tat ", ""));
      if (REPORTED.add(method + frames)) {
        boolean fluxtrace = isFluxtraces(Thread.currentThread().getName(), stack);
        System.err.println(REPORT + " fluxtrace=" + fluxtrace + " thread=" + Thread.currentThread().getName()
            + " method=" + method + "\n" + frames);
      }
    } finally {
      REPORTING.set(false);
    }
  }
}
