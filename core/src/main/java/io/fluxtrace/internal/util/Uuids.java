package io.fluxtrace.internal.util;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Random version 4 UUIDs that are safe to create on a non-blocking thread. */
public final class Uuids {

  private Uuids() {}

  /**
   * A version 4 UUID from {@link ThreadLocalRandom}: ids need to be unique, not unpredictable, and
   * {@link UUID#randomUUID()} may read the OS entropy source, a blocking call on a non-blocking thread.
   */
  public static String random() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48);
    return new UUID(msb, lsb).toString();
  }
}
