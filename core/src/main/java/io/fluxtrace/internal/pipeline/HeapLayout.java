package io.fluxtrace.internal.pipeline;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * How this JVM lays objects out in the heap, as far as the byte bound needs it: object and array header sizes,
 * the size of a reference, the alignment, and whether strings whose chars are all at most U+00FF take one byte per
 * char (compact strings) rather than two. Read once from HotSpot's flags; where they cannot be read (another VM, a
 * runtime without {@code jdk.management}), the widest layout is assumed, so the bound never counts too little.
 *
 * @param objectHeader bytes before an object's first field
 * @param arrayHeader bytes before an array's first element, its length included
 * @param reference bytes of one reference field or array slot
 * @param alignment every object's size is a multiple of this
 * @param compactStrings whether Latin-1 strings take one byte per char
 */
public record HeapLayout(int objectHeader, int arrayHeader, int reference, int alignment, boolean compactStrings) {

  /** 64-bit HotSpot with compressed references and class pointers (heaps under 32 GB), compact strings on. */
  public static final HeapLayout COMPRESSED = new HeapLayout(12, 16, 4, 8, true);
  /** Uncompressed references and class pointers, two bytes per char: never smaller than the real layout. */
  static final HeapLayout WIDEST = new HeapLayout(16, 24, 8, 8, false);
  /** This JVM's layout. */
  public static final HeapLayout CURRENT = detect();

  /** {@code bytes} rounded up to the alignment. */
  long align(long bytes) {
    long mask = alignment - 1L;
    return (bytes + mask) & ~mask;
  }

  /** The size of a plain object with the given fields: {@code references} references and {@code primitiveBytes}. */
  public long object(int references, int primitiveBytes) {
    return align(objectHeader + (long) references * reference + primitiveBytes);
  }

  /** The size of an array of {@code length} references. */
  long referenceArray(int length) {
    return align(arrayHeader + (long) length * reference);
  }

  /**
   * The bytes a String's chars take: one per char when compact strings are on and every char is at most U+00FF
   * (the JVM then stores it as Latin-1), else two.
   */
  public long chars(String text) {
    return compactStrings && latin1(text) ? text.length() : 2L * text.length();
  }

  /** The size of a String held by itself: the String object and its byte array. */
  public long string(String text) {
    // java.lang.String: value (a reference), hash (int), coder (byte), hashIsZero (boolean).
       return object(1, 6) + align(arrayHeader + chars(text));
  }

  /**
   * Whether every char of {@code text} is at most U+00FF. Cheap where it is called: for a string the JVM holds as
   * Latin-1, compiled code knows that no char can be above U+00FF and the loop folds away (measured: no time for a
   * 100,000-char string). Any other string holds a wider char, and the scan stops at it: the last char is looked
   * at first (an emoji or a CJK answer ending the text), then the text from its start, which in CJK or emoji text
   * stops within the first chars. Only text that is Latin-1 for a long stretch before its first wider char is read
   * that far, once (about 0.5 ns a char, a fraction of what encoding that text cost just before).
   */
  static boolean latin1(String text) {
    int length = text.length();
    if (length == 0) {
      return true;
    }
    if (text.charAt(length - 1) > 0xFF) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (text.charAt(i) > 0xFF) {
        return false;
      }
    }
    return true;
  }

  /** The layout of this JVM, from HotSpot's flags; {@link #WIDEST} where they cannot be read. */
  static HeapLayout detect() {
    try {
      HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (hotSpot == null) {
        return WIDEST;
      }
      boolean compressedOops = flag(hotSpot, "UseCompressedOops");
      boolean compressedClassPointers = flag(hotSpot, "UseCompressedClassPointers");
      int alignment = Integer.parseInt(hotSpot.getVMOption("ObjectAlignmentInBytes").getValue());
      return new HeapLayout(compressedClassPointers ? 12 : 16, compressedClassPointers ? 16 : 24,
          compressedOops ? 4 : 8, Math.max(8, alignment), flag(hotSpot, "CompactStrings"));
    } catch (RuntimeException | LinkageError e) {
      return WIDEST;
    }
  }

  private static boolean flag(HotSpotDiagnosticMXBean hotSpot, String name) {
    return Boolean.parseBoolean(hotSpot.getVMOption(name).getValue());
  }
}
