package io.fluxtrace.reactor;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Test-only: Netty 4.2's default {@code AdaptivePoolingAllocator} takes a {@code StampedLock} to share a buffer
 * magazine between threads, which BlockHound reports when a response is written from a Reactor {@code parallel}
 * thread. Netty's own BlockHound integration allows the equivalent locks of the pooled allocator but not these
 * yet; other projects treat them as a false positive too (line/armeria#6344). Allowed here, and only here.
 */
public final class NettyAllocatorBlockHoundIntegration implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
    builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
  }
}
