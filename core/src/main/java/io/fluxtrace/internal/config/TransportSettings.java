package io.fluxtrace.internal.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * How the HTTP transport reaches the backend: which certificates it trusts for {@code https://} and through which
 * proxy it connects. Validated by the builder; secrets (the trust store password, a proxy password) are kept out
 * of {@link #toString()}.
 *
 * @param trustedCertificates a PEM file of certificates to trust instead of the JDK's default trust, or null
 * @param trustStore a key store (PKCS12 or JKS) of certificates to trust instead of the JDK's default, or null
 * @param trustStorePassword the trust store's password, or null for none
 * @param proxy an explicit HTTP proxy {@code http://[user:password@]host:port}, or null
 * @param systemProxy whether, without an explicit proxy, the JVM's proxy settings ({@code https.proxyHost},
 *     {@code http.proxyHost}, {@code http.nonProxyHosts}, read through {@link java.net.ProxySelector}) apply
 */
public record TransportSettings(
    @Nullable Path trustedCertificates,
    @Nullable Path trustStore,
    @Nullable String trustStorePassword,
    @Nullable URI proxy,
    boolean systemProxy) {

  /** The JDK's trust and the JVM's proxy settings. */
  public static TransportSettings defaults() {
    return new TransportSettings(null, null, null, null, true);
  }

  /**
   * The trust this configuration asks for, loaded now (it reads files: call it where blocking is allowed). The JDK's
   * default trust when neither a PEM file nor a trust store is set.
   *
   * @throws IllegalArgumentException naming the setting when a file cannot be read or holds no certificate
   */
  public TrustManagerFactory trustManagerFactory() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trustedKeyStore());
      return factory;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("fluxtrace: could not set up TLS trust: " + e, e);
    }
  }

  /** The key store of the trusted certificates, or null for the JDK's default. */
  private @Nullable KeyStore trustedKeyStore() {
    Path pem = trustedCertificates;
    Path store = trustStore;
    if (pem != null) {
      try (InputStream in = Files.newInputStream(pem)) {
        Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
            .generateCertificates(in);
        if (certificates.isEmpty()) {
          throw new IllegalArgumentException("fluxtrace: trustedCertificates: " + pem
              + " holds no certificate; expected PEM text with -----BEGIN CERTIFICATE----- blocks");
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates) {
          keyStore.setCertificateEntry("trusted-" + i++, certificate);
        }
        return keyStore;
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalArgumentException("fluxtrace: trustedCertificates: could not read certificates from "
            + pem + ": " + e.getMessage() + "; expected a readable PEM file of X.509 certificates", e);
      }
    }
    if (store != null) {
      String password = trustStorePassword;
      try {
        // Detects PKCS12 and JKS from the file's content.
        return KeyStore.getInstance(store.toFile(), password == null ? null : password.toCharArray());
      } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
        throw new IllegalArgumentException("fluxtrace: trustStore: could not load " + store + ": " + e.getMessage()
            + "; expected a readable PKCS12 or JKS key store and its password", e);
      }
    }
    return null;
  }

  @Override
  public String toString() {
    URI p = proxy;
    return "TransportSettings{trustedCertificates=" + trustedCertificates
        + ", trustStore=" + trustStore
        + ", proxy=" + (p == null ? (systemProxy ? "system" : "none") : Secrets.redactUrl(p))
        + '}';
  }
}
