package io.fluxtrace.internal;

/** Keeps keys out of logs, exceptions and {@code toString()}. */
public final class Secrets {

  private Secrets() {}

  /** The public key's prefix and last four characters, enough to tell keys apart in a log. */
  public static String redactPublicKey(String publicKey) {
    if (publicKey.length() <= 8) {
      return "****";
    }
    int dash = publicKey.indexOf('-', 3);
    String prefix = dash > 0 && dash < 8 ? publicKey.substring(0, dash + 1) : "";
    return prefix + "****" + publicKey.substring(publicKey.length() - 4);
  }
}
