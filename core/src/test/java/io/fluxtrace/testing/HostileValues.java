package io.fluxtrace.testing;

/** Values that break naive serialization, for tests that prove tracing survives them. */
public final class HostileValues {

  private HostileValues() {}

  /** A bean whose getter fails, with a message that must not leak into exported data. */
  public static final class ThrowingGetter {
    public String getValue() {
      throw new IllegalStateException("secret data in the message");
    }
  }

  /** A bean whose getter overflows the stack, as runaway recursion in application code would. */
  public static final class OverflowingGetter {
    public String getValue() {
      throw new StackOverflowError();
    }
  }

  /** An object without properties whose {@code toString()} fails. */
  public static final class ThrowingToString {
    @Override
    public String toString() {
      throw new IllegalStateException("no toString");
    }
  }

  /** A bean that returns itself from a getter. */
  public static final class SelfReference {
    public SelfReference getSelf() {
      return this;
    }
  }

  /** An exception whose message cannot be read. */
  public static final class ExceptionWithThrowingMessage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @Override
    public String getMessage() {
      throw new IllegalStateException("no message");
    }
  }
}
