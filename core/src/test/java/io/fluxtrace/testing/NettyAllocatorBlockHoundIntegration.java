package io.fluxtrace.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Test-only: Netty 4.2's default {@code AdaptivePoolingAllocator} takes a {@code StampedLock} to share a buffer
 * magazine between threads, which BlockHound reports when buffers are allocated on several threads at once (a
 * response written from a Reactor {@code parallel} thread; the event loops of a client and a server in one test
 * JVM, where it failed an export of the end-to-end test). Netty's own BlockHound integration allows the
 * equivalent locks of the pooled allocator but not these yet; other projects treat them as a false positive too
 * (line/armeria#6344). Allowed here, and only here: registered for every module's tests through the test-jar.
 * fluxtrace's own export client no longer needs it (its transport uses an unpooled allocator;
 * {@code StrictBlockHoundExportTest} runs without this class); the test servers, on Netty's default allocator, may.
 */
public final class NettyAllocatorBlockHoundIntegration implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
    builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
  }
}
