package io.fluxtrace.testing;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.jspecify.annotations.NullMarked;

/**
 * A self-signed server certificate for 127.0.0.1, localhost and {@link #TEST_HOST}, made with the JDK's {@code keytool} (the same on
 * every Netty line, no extra dependency): the server's key store, the certificate as PEM, and a trust store that
 * holds only that certificate. Made in a directory the test owns; valid for two days.
 */
@NullMarked
public final class SelfSignedTls {

  /**
   * A name the certificate is also valid for, which resolves nowhere: reachable only through {@link ConnectProxy},
   * which tunnels every target to 127.0.0.1.
   */
  public static final String TEST_HOST = "collector.test";

  /** The password of both key stores. */
  public static final String PASSWORD = "changeit";

  private final Path serverKeyStore;
  private final Path certificatePem;
  private final Path trustStore;

  private SelfSignedTls(Path dir) {
    this.serverKeyStore = dir.resolve("server.p12");
    this.certificatePem = dir.resolve("server.pem");
    this.trustStore = dir.resolve("trust.p12");
  }

  /** Makes the certificate, its PEM and a trust store in {@code dir}. Takes a few seconds (three keytool runs). */
  public static SelfSignedTls create(Path dir) throws IOException, InterruptedException {
    SelfSignedTls tls = new SelfSignedTls(dir);
    keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost,dns:" + TEST_HOST, "-validity", "2",
        "-keystore", tls.serverKeyStore.toString(), "-storetype", "PKCS12",
        "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool(dir, "-exportcert", "-rfc", "-alias", "server", "-keystore", tls.serverKeyStore.toString(),
        "-storepass", PASSWORD, "-file", tls.certificatePem.toString());
    keytool(dir, "-importcert", "-noprompt", "-alias", "server", "-file", tls.certificatePem.toString(),
        "-keystore", tls.trustStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
    return tls;
  }

  private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Path output = dir.resolve("keytool.log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException("keytool " + args[0] + " failed: " + Files.readString(output, StandardCharsets.UTF_8));
    }
  }

  /** The certificate as PEM, to trust with {@code trustedCertificates(...)}. */
  public Path certificatePem() {
    return certificatePem;
  }

  /** A PKCS12 trust store holding the certificate, password {@link #PASSWORD}. */
  public Path trustStore() {
    return trustStore;
  }

  /** The server side: the certificate and its key, for {@link OtlpReceiver#startTls}. */
  public SslContext serverContext() throws IOException, GeneralSecurityException {
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(serverKeyStore)) {
      keyStore.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(keyStore, PASSWORD.toCharArray());
    return SslContextBuilder.forServer(keys).build();
  }
}
