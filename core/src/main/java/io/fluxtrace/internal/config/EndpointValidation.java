package io.fluxtrace.internal.config;

import io.fluxtrace.internal.util.SafeLogger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The checks of the endpoint, the keys and the headers, whose messages name the setting and never show a value
 * that may be a credential (user info in a URL, the secret key, a header value).
 */
public final class EndpointValidation {

  /** Langfuse Cloud (EU), the default base URL and the example in messages. */
  public static final String DEFAULT_BASE_URL = "https://cloud.langfuse.com";
  /** The OTLP/HTTP traces path below a Langfuse base URL. */
  public static final String LANGFUSE_OTLP_PATH = "/api/public/otel/v1/traces";

  private static final String PUBLIC_KEY_PREFIX = "pk-lf-";
  private static final String SECRET_KEY_PREFIX = "sk-lf-";

  /** Headers that describe the body or the connection, which fluxtrace sets itself. */
  private static final Set<String> RESERVED_HEADERS = Set.of(
      "content-type", "content-length", "content-encoding", "transfer-encoding", "host", "connection");

  private final @Nullable String secretKey;

  /** @param secretKey the effective secret key, never shown in a message; null when none is set */
  EndpointValidation(@Nullable String secretKey) {
    this.secretKey = secretKey;
  }

  /** Throws {@code "fluxtrace: <setting> must be <expected>, got '<got>'"} unless {@code ok}. */
  public static void require(boolean ok, String setting, String expected, String got) {
    if (!ok) {
      throw new IllegalArgumentException("fluxtrace: " + setting + " must be " + expected + ", got '" + got + "'");
    }
  }

  /**
   * {@code base} (from {@code source}), followed by the OTLP path; trailing slashes are dropped, and so is the
   * path if it was given too.
   */
  public URI langfuseEndpoint(String base, String source) {
    URI parsed = parseUrl(source, base);
    if (parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
      // A query or fragment can hold a token: only the part before it is repeated.
      throw new IllegalArgumentException("fluxtrace: " + source + " must be a base URL without query or fragment,"
          + " such as " + DEFAULT_BASE_URL + ", got " + shown(Secrets.redactUrl(parsed))
          + " followed by a query or fragment (not shown)");
    }
    String trimmed = base.trim();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    // Tolerate the full endpoint pasted as base URL rather than posting to .../v1/traces/api/public/...
    if (trimmed.endsWith(LANGFUSE_OTLP_PATH)) {
      trimmed = trimmed.substring(0, trimmed.length() - LANGFUSE_OTLP_PATH.length());
    }
    return parseUrl(source, trimmed + LANGFUSE_OTLP_PATH);
  }

  /** An {@code http://} or {@code https://} URL with a host and without credentials. */
  public URI parseUrl(String source, String url) {
    String trimmed = url.trim();
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      // The parser's message quotes the whole input.
      throw new IllegalArgumentException("fluxtrace: " + source + " must be an http:// or https:// URL, got "
          + shown(url) + ": " + (isWithheld(url) ? "not a valid URL" : e.getMessage()));
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("fluxtrace: " + source + " must be an http:// or https:// URL with a"
          + " host, such as " + DEFAULT_BASE_URL + ", got " + shown(url));
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("fluxtrace: " + source + " must not carry credentials in the URL; use"
          + " publicKey/secretKey for Langfuse, or header(...) for another backend");
    }
    return uri;
  }

  /** Whether spans go to Langfuse (no {@code otlpEndpoint}); refuses both a Langfuse base URL and an OTLP endpoint. */
  public static boolean isLangfuse(@Nullable String baseUrl, @Nullable String otlpEndpoint) {
    if (otlpEndpoint != null && baseUrl != null) {
      throw new IllegalArgumentException("fluxtrace: set either baseUrl (Langfuse) or otlpEndpoint (any OTLP/HTTP"
          + " backend), not both");
    }
    return otlpEndpoint == null;
  }

  /** The one warning that tracing is disabled because a Langfuse key is missing. */
  public static void warnKeysMissing(@Nullable String publicKey, @Nullable String secretKey) {
    SafeLogger.of(io.fluxtrace.FluxTracerBuilder.class).warn(
        "fluxtrace: tracing is disabled because {} not set. Set LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY"
            + " (or configure an OTLP endpoint or an exporter) to record traces.",
        publicKey == null && secretKey == null ? "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY are"
            : publicKey == null ? "LANGFUSE_PUBLIC_KEY is" : "LANGFUSE_SECRET_KEY is");
  }

  /** Refuses keys that look swapped (a key that starts with the other key's prefix), before they are sent. */
  public static void requireKeyShapes(@Nullable String publicKey, String publicSource, @Nullable String secretKey,
      String secretSource) {
    requireKeyShape(publicKey, PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX, publicSource, "a secret");
    requireKeyShape(secretKey, SECRET_KEY_PREFIX, PUBLIC_KEY_PREFIX, secretSource, "a public");
  }

  private static void requireKeyShape(@Nullable String key, String ownPrefix, String otherPrefix, String source,
      String other) {
    if (key != null && key.startsWith(otherPrefix)) {
      throw new IllegalArgumentException("fluxtrace: " + source + " looks like " + other + " key (it starts with "
          + otherPrefix + ", where " + ownPrefix + " was expected): are the public and secret keys swapped?");
    }
  }

  /** Refuses plain {@code http://} to a host other than loopback, unless it is allowed. */
  public static void requireSecure(URI endpoint, boolean allowInsecureHttp) {
    if (!allowInsecureHttp && "http".equalsIgnoreCase(endpoint.getScheme()) && !isLoopback(endpoint.getHost())) {
      throw new IllegalArgumentException("fluxtrace: refusing plain http:// to " + endpoint.getHost()
          + ": keys and traced content would travel unencrypted. Use https://, or allowInsecureHttp(true)"
          + " if the network is trusted.");
    }
  }

  /** Header names must be HTTP tokens and not ones fluxtrace sets; values hold no control character. */
  public void requireValidHeaders(Map<String, String> headers) {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      String name = header.getKey();
      if (!isToken(name)) {
        throw new IllegalArgumentException("fluxtrace: header name " + shown(name) + " is not a valid HTTP header"
            + " name");
      }
      if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("fluxtrace: header " + name + " is set by fluxtrace itself and cannot"
            + " be configured");
      }
      for (int i = 0; i < header.getValue().length(); i++) {
        char c = header.getValue().charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          // The value may be a credential: name the header, never show the value.
          throw new IllegalArgumentException("fluxtrace: the value of header " + name + " contains a line break"
              + " or another control character");
        }
      }
    }
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLoopback(@Nullable String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    // Literal addresses only, besides "localhost": a name like 127.0.0.1.example.com resolves anywhere.
    return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")
        || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  /**
   * A value for an error message, unless it may hold a credential: one with an {@code @} (user info in a URL), or
   * one that contains the secret key or looks like a Langfuse secret key (a key pasted into the wrong variable).
   */
  public String shown(String value) {
    if (value.contains("@")) {
      return "a value that is not shown because it contains '@'";
    }
    if (containsSecretKey(value)) {
      return "a value that is not shown because it looks like a secret key";
    }
    return "'" + value + "'";
  }

  private boolean isWithheld(String value) {
    return value.contains("@") || containsSecretKey(value);
  }

  private boolean containsSecretKey(String value) {
    String secret = secretKey;
    return value.contains(SECRET_KEY_PREFIX) || (secret != null && value.contains(secret));
  }
}
