package io.dynconf.etcd.testing;

import io.dynconf.core.tls.Certificates;
import io.dynconf.core.tls.Certificates.Issued;
import io.dynconf.core.tls.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;

/**
 * A throw-away PKI for one TLS test cluster, made with the JDK alone (no BouncyCastle, no {@code
 * openssl}): dynconf-core's {@link Certificates} issues the certificates and {@link Pem} writes them.
 *
 * <ul>
 *   <li>a CA ({@code CN=dynconf test CA}, self-signed, {@code basicConstraints CA:true});
 *   <li>a server certificate for etcd with the SANs {@code IP:127.0.0.1} and {@code DNS:localhost}
 *       and both {@code serverAuth} and {@code clientAuth}: etcd's own JSON gateway dials the gRPC
 *       server presenting the server certificate as a client certificate;
 *   <li>a client certificate ({@code O=dynconf test client}) without a common
 *       name: with auth enabled, etcd 3.4 answers every {@code /v3/} gateway request whose client
 *       certificate has a CN with 400 "CommonName of client sending a request against gateway will
 *       be ignored", and over gRPC it would take the CN for a user name when a call has no token.
 * </ul>
 *
 * <p>Keys are EC P-256, signatures ECDSA with SHA-256; certificates are valid from an hour ago for
 * 30 days; leaves carry both {@code serverAuth} and {@code clientAuth}. Files are PEM: {@code
 * ca.pem}, {@code server.pem}, {@code server-key.pem}, {@code client.pem}, {@code client-key.pem}; keys are unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}),
 * which both Go (etcd) and Netty's {@code SslContextBuilder} read.
 */
final class TestPki {
  private static final char[] STORE_PASSWORD = "dynconf".toCharArray(); // in-memory key stores only
  private static final Duration VALIDITY = Duration.ofDays(30);

  private final Issued ca;
  private final Issued client;
  final Path caCert;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;

  private TestPki(Path directory, Issued ca, Issued server, Issued client) throws IOException {
    this.ca = ca;
    this.client = client;
    Files.createDirectories(directory);
    this.caCert = write(directory.resolve("ca.pem"), ca.certificatePem());
    this.serverCert = write(directory.resolve("server.pem"), server.certificatePem());
    this.serverKey = write(directory.resolve("server-key.pem"), server.keyPem());
    this.clientCert = write(directory.resolve("client.pem"), client.certificatePem());
    this.clientKey = write(directory.resolve("client-key.pem"), client.keyPem());
  }

  /** Generates the CA, the server and the client certificate and writes them to {@code directory}. */
  static TestPki create(Path directory) throws IOException {
    Instant now = Instant.now();
    Instant notBefore = now.minus(Duration.ofHours(1));
    Instant notAfter = now.plus(VALIDITY);
    Issued ca = Certificates.builder("dynconf test CA").ca().validity(notBefore, notAfter).issue();
    Issued server = Certificates.builder("127.0.0.1").ipAddresses("127.0.0.1").dnsNames("localhost")
        .issuer(ca).validity(notBefore, notAfter).issue();
    Issued client = Certificates.builder(new X500Principal("O=dynconf test client"))
        .issuer(ca).validity(notBefore, notAfter).issue();
    try {
      server.certificate().verify(ca.certificate().getPublicKey());
      client.certificate().verify(ca.certificate().getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the test certificates do not verify with the test CA", e);
    }
    return new TestPki(directory, ca, server, client);
  }

  /**
   * An SSL context that trusts the CA and, when {@code presentClientCertificate}, presents the
   * client certificate.
   */
  SSLContext sslContext(boolean presentClientCertificate) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.certificate());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManager[] keyManagers = null;
      if (presentClientCertificate) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", client.key(), STORE_PASSWORD, new Certificate[] {client.certificate(), ca.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, STORE_PASSWORD);
        keyManagers = kmf.getKeyManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make an SSL context for the test CA", e);
    }
  }

  private static Path write(Path file, String pem) throws IOException {
    Files.writeString(file, pem, StandardCharsets.US_ASCII);
    return file;
  }
}
