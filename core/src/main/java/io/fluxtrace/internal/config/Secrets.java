package io.fluxtrace.internal.config;

import java.net.URI;

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

  /**
   * The URL without user info, query or fragment, which can hold credentials: {@code scheme://host[:port]/path}.
   */
  public static String redactUrl(URI url) {
    StringBuilder out = new StringBuilder();
    if (url.getScheme() != null) {
      out.append(url.getScheme()).append("://");
    }
    if (url.getHost() != null) {
      out.append(url.getHost());
      if (url.getPort() >= 0) {
        out.append(':').append(url.getPort());
      }
    }
    if (url.getRawPath() != null) {
      out.append(url.getRawPath());
    }
    return out.toString();
  }
}
