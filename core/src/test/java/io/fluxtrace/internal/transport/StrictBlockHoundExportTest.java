package io.fluxtrace.internal.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fluxtrace.FlushResult;
import io.fluxtrace.FluxTracer;
import io.fluxtrace.ObservationType;
import io.fluxtrace.Score;
import io.fluxtrace.Span;
import io.fluxtrace.TraceAttributes;
import io.fluxtrace.testing.ChildProcess;
import io.fluxtrace.testing.ConnectProxy;
import io.fluxtrace.testing.LangfuseIngestion;
import io.fluxtrace.testing.NettyAllocatorBlockHoundIntegration;
import io.fluxtrace.testing.OtlpReceiver.Reply;
import io.fluxtrace.testing.OtlpReceiver;
import io.fluxtrace.testing.SelfSignedTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * BlockHound in strict (throwing) mode, installed after the tracers are built and without the test-only
 * {@link NettyAllocatorBlockHoundIntegration}, sees nothing blocking on our paths: exports over http and https
 * (through a CONNECT proxy), retries after 503 and resets, scores, flush and shutdown. Then every thread of ours is
 * gone and the JVM exits on its own. Run in a fresh JVM, since BlockHound installs once per JVM.
 *
 * <p>A control request on Reactor Netty's global client (Netty's default allocator) runs under the same BlockHound;
 * its reports are printed, not asserted: on Netty 4.2 they show what our allocator avoids.
 */
@Timeout(180)
class StrictBlockHoundExportTest {

  private static final int SPANS = 400;
  private static final int SCORES = 40;
  /** Threads of the test's servers and of the control client: their reports are not ours. */
  private static final List<String> NOT_OURS = List.of("otlp-receiver", "connect-proxy", "reactor-http-");

  /** The fresh JVM; args[0] is a directory for the certificate. */
  public static void main(String[] args) throws Exception {
    SelfSignedTls tls = SelfSignedTls.create(Path.of(args[0]));
    ConcurrentLinkedQueue<String> ours = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> others = new ConcurrentLinkedQueue<>();
    try (OtlpReceiver plain = OtlpReceiver.start();
        OtlpReceiver secure = OtlpReceiver.startTls(tls.serverContext());
        ConnectProxy proxy = ConnectProxy.start()) {
      for (OtlpReceiver receiver : List.of(plain, secure)) {
        receiver.respondWith(request -> request.path().startsWith(LangfuseIngestion.PATH)
            ? LangfuseIngestion.allSucceeded(request) : Reply.ok());
      }
      // Retries: the first spans and the first scores meet a 503 and a reset before they get through.
      plain.enqueue(Reply.status(503), Reply.resetConnection(), Reply.status(503), Reply.resetConnection());
      FluxTracer overHttp = tracer(plain.baseUrl()).build();
      FluxTracer overHttps = tracer(secure.baseUrl())
          .trustedCertificates(tls.certificatePem())
          .proxy(proxy.uri())
          .build();

      installStrictBlockHound(ours, others);

      AtomicInteger n = new AtomicInteger();
      Flux.range(0, SPANS)
          .parallel(4)
          .runOn(Schedulers.parallel())
          .doOnNext(i -> {
            FluxTracer tracer = i % 2 == 0 ? overHttp : overHttps;
            Span span = tracer.startSpan("span-" + i, ObservationType.SPAN, null, TraceAttributes.EMPTY);
            span.end();
            if (n.incrementAndGet() % (SPANS / SCORES) == 0) {
              tracer.score(Score.numeric("accuracy", 1).traceId(span.context().traceId()).build());
            }
          })
          .sequential()
          .blockLast(Duration.ofSeconds(60));
      FlushResult httpFlush = overHttp.flushBlocking(Duration.ofSeconds(60));
      FlushResult httpsFlush = overHttps.flushBlocking(Duration.ofSeconds(60));
      overHttp.close();
      overHttps.close();
      System.out.println("EXPORTED " + (httpFlush.stats().exported() + httpsFlush.stats().exported())
          + " SCORES " + (httpFlush.stats().scores().exported() + httpsFlush.stats().scores().exported())
          + " RETRIES " + httpFlush.stats().retries() + " TUNNELS " + proxy.tunnels().size());

      // The control: Reactor Netty's global resources and Netty's default allocator, under the same BlockHound.
      for (int i = 0; i < 20; i++) {
        HttpClient.create().post().uri(plain.url("/control"))
            .send((request, out) -> out.sendString(reactor.core.publisher.Mono.just("{\"control\":" + 1 + "}")))
            .responseSingle((response, body) -> body.asString().defaultIfEmpty(""))
            .onErrorResume(e -> reactor.core.publisher.Mono.just(""))
            .block(Duration.ofSeconds(10));
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> left = transportThreads();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      left = transportThreads();
    }
    System.out.println("THREADS_LEFT " + left);
    System.out.println("REPORTS_OURS " + ours.size());
    ours.forEach(report -> System.out.println("OURS " + report));
    System.out.println("REPORTS_OTHERS " + others.size());
    others.stream().limit(5).forEach(report -> System.out.println("OTHER " + report));
    System.out.println("DONE");
    // No System.exit: the JVM must end by itself, which it does only if no thread of ours holds it.
  }

  private static io.fluxtrace.FluxTracerBuilder tracer(String baseUrl) {
    return FluxTracer.builder(Map.of())
        .publicKey("pk-lf-0123456789abcdef")
        .secretKey("sk-lf-secret-fedcba9876543210")
        .baseUrl(baseUrl)
        .shutdownHook(false)
        .flushAt(50)
        .initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(50))
        .maxExportAttempts(5);
  }

  private static List<String> transportThreads() {
    List<String> names = new ArrayList<>();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.isAlive() && thread.getName().startsWith("fluxtrace-http-")) {
        names.add(thread.getName());
      }
    }
    return names;
  }

  /** Every integration on the class path but the test-only allocator allowance; throws on our threads. */
  private static void installStrictBlockHound(ConcurrentLinkedQueue<String> ours,
      ConcurrentLinkedQueue<String> others) {
    List<BlockHoundIntegration> integrations = new ArrayList<>();
    for (BlockHoundIntegration integration : ServiceLoader.load(BlockHoundIntegration.class)) {
      if (!(integration instanceof NettyAllocatorBlockHoundIntegration)) {
        integrations.add(integration);
      }
    }
    integrations.sort(null);
    BlockHound.Builder builder = BlockHound.builder();
    integrations.forEach(builder::with);
    builder.blockingMethodCallback(method -> {
      String thread = Thread.currentThread().getName();
      String report = thread + ": " + method + " at " + firstFrames();
      if (NOT_OURS.stream().anyMatch(thread::startsWith)) {
        others.add(report);
        return;
      }
      ours.add(report);
      throw new BlockingOperationError(method);
    }).install();
  }

  private static String firstFrames() {
    StringBuilder out = new StringBuilder();
    StackTraceElement[] stack = new Throwable().getStackTrace();
    int shown = 0;
    for (StackTraceElement frame : stack) {
      if (frame.getClassName().startsWith("reactor.blockhound") || frame.getClassName().contains("StrictBlockHound")) {
        continue;
      }
      out.append(frame).append(" < ");
      if (++shown == 12) {
        break;
      }
    }
    return out.toString();
  }

  @Test
  void nothingBlocksOnOurPathsAndOurThreadsAreGoneAfterShutdown(@TempDir Path dir) throws Exception {
    Path certificates = Files.createDirectories(dir.resolve("tls"));
    try (ChildProcess child = ChildProcess.java(StrictBlockHoundExportTest.class,
        List.of("-XX:+AllowRedefinitionToAddDeleteMethods", "-XX:+EnableDynamicAgentLoading"),
        List.of(certificates.toString()), dir)) {
      child.awaitOutput(out -> out.contains("DONE"), Duration.ofSeconds(150));
      String out = child.output();
      // The figures, for the report: exports, retries, tunnels, and the control's reports.
      out.lines().filter(line -> !line.startsWith("OTHER ")).forEach(System.out::println);
      assertThat(out).as(child.describe())
          .contains("EXPORTED " + SPANS + " SCORES " + SCORES)
          .contains("REPORTS_OURS 0")
          .contains("THREADS_LEFT []")
          .doesNotContain("RETRIES 0 ")
          .doesNotContain("TUNNELS 0");
      // Ended by itself: nothing of ours keeps the JVM alive.
      assertThat(child.waitFor(Duration.ofSeconds(30))).as(child.describe()).isTrue();
      assertThat(child.exitCode()).as(child.describe()).isZero();
    }
  }
}
