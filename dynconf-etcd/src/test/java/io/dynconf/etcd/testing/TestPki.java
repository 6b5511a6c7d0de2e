package io.dynconf.etcd.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away PKI for one TLS test cluster, made with the JDK alone: no BouncyCastle, no {@code
 * openssl}. The JDK can make keys and signatures but has no public API to build a certificate, so
 * the few DER structures of an X.509 v3 certificate are encoded here by hand (RFC 5280).
 *
 * <ul>
 *   <li>a CA ({@code CN=dynconf test CA}, self-signed, {@code basicConstraints CA:true});
 *   <li>a server certificate for etcd with the SANs {@code IP:127.0.0.1} and {@code DNS:localhost}
 *       and both {@code serverAuth} and {@code clientAuth}: etcd's own JSON gateway dials the gRPC
 *       server presenting the server certificate as a client certificate;
 *   <li>a client certificate ({@code O=dynconf test client}, {@code clientAuth}) without a common
 *       name: with auth enabled, etcd 3.4 answers every {@code /v3/} gateway request whose client
 *       certificate has a CN with 400 "CommonName of client sending a request against gateway will
 *       be ignored", and over gRPC it would take the CN for a user name when a call has no token.
 * </ul>
 *
 * <p>Keys are EC P-256, signatures ECDSA with SHA-256; certificates are valid from an hour ago for
 * 30 days. Files are PEM: {@code ca.pem}, {@code server.pem}, {@code server-key.pem}, {@code
 * client.pem}, {@code client-key.pem}; keys are unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}),
 * which both Go (etcd) and Netty's {@code SslContextBuilder} read.
 */
final class TestPki {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] STORE_PASSWORD = "dynconf".toCharArray(); // in-memory key stores only
  private static final Duration VALIDITY = Duration.ofDays(30);

  private static final String OID_EC_SHA256 = "1.2.840.10045.4.3.2";
  private static final String OID_COMMON_NAME = "2.5.4.3";
  private static final String OID_ORGANIZATION = "2.5.4.10";
  private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String OID_KEY_USAGE = "2.5.29.15";
  private static final String OID_EXT_KEY_USAGE = "2.5.29.37";
  private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private record Issued(X509Certificate certificate, PrivateKey key) {}

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
    this.caCert = writePem(directory.resolve("ca.pem"), "CERTIFICATE", der(ca.certificate));
    this.serverCert = writePem(directory.resolve("server.pem"), "CERTIFICATE", der(server.certificate));
    this.serverKey = writePem(directory.resolve("server-key.pem"), "PRIVATE KEY", server.key.getEncoded());
    this.clientCert = writePem(directory.resolve("client.pem"), "CERTIFICATE", der(client.certificate));
    this.clientKey = writePem(directory.resolve("client-key.pem"), "PRIVATE KEY", client.key.getEncoded());
  }

  /** Generates the CA, the server and the client certificate and writes them to {@code directory}. */
  static TestPki create(Path directory) throws IOException {
    try {
      KeyPair caKeys = ecKeyPair();
      String caName = "dynconf test CA";
      X509Certificate caCert =
          sign(cn(caName), caKeys.getPublic(), cn(caName), caKeys.getPrivate(),
              extension(OID_BASIC_CONSTRAINTS, true, seq(bool(true))),
              // digitalSignature, keyCertSign, cRLSign: bits 0, 5, 6
              extension(OID_KEY_USAGE, true, bitString(new byte[] {(byte) 0x86}, 1)));
      Issued ca = new Issued(caCert, caKeys.getPrivate());
      KeyPair serverKeys = ecKeyPair();
      X509Certificate serverCert =
          sign(cn("127.0.0.1"), serverKeys.getPublic(), cn(caName), caKeys.getPrivate(),
              leafExtensions(
                  seq(oid(OID_SERVER_AUTH), oid(OID_CLIENT_AUTH)),
                  extension(OID_SUBJECT_ALT_NAME, false,
                      seq(
                          tlv(0x87, new byte[] {127, 0, 0, 1}), // iPAddress
                          tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)))))); // dNSName
      KeyPair clientKeys = ecKeyPair();
      X509Certificate clientCert =
          sign(name(OID_ORGANIZATION, "dynconf test client"), clientKeys.getPublic(), cn(caName), caKeys.getPrivate(),
              leafExtensions(seq(oid(OID_CLIENT_AUTH))));
      serverCert.verify(caKeys.getPublic());
      clientCert.verify(caKeys.getPublic());
      return new TestPki(directory, ca, new Issued(serverCert, serverKeys.getPrivate()), new Issued(clientCert, clientKeys.getPrivate()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the test certificates", e);
    }
  }

  /**
   * An SSL context that trusts the CA and, when {@code presentClientCertificate}, presents the
   * client certificate.
   */
  SSLContext sslContext(boolean presentClientCertificate) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.certificate);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManager[] keyManagers = null;
      if (presentClientCertificate) {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", client.key, STORE_PASSWORD, new Certificate[] {client.certificate, ca.certificate});
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

  private static KeyPair ecKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static byte[][] leafExtensions(byte[] extendedKeyUsages, byte[]... more) {
    byte[][] all = new byte[3 + more.length][];
    all[0] = extension(OID_BASIC_CONSTRAINTS, true, seq()); // CA:false
    all[1] = extension(OID_KEY_USAGE, true, bitString(new byte[] {(byte) 0x80}, 7)); // digitalSignature
    all[2] = extension(OID_EXT_KEY_USAGE, false, extendedKeyUsages);
    System.arraycopy(more, 0, all, 3, more.length);
    return all;
  }

  /** An X.509 v3 certificate: TBSCertificate, its algorithm, its signature by {@code issuerKey}. */
  private static X509Certificate sign(
      byte[] subject, PublicKey subjectKey, byte[] issuer, PrivateKey issuerKey, byte[]... extensions)
      throws GeneralSecurityException {
    byte[] algorithm = seq(oid(OID_EC_SHA256));
    Instant now = Instant.now();
    byte[] tbs =
        seq(
            tlv(0xA0, integer(BigInteger.TWO)), // [0] version: v3
            integer(new BigInteger(63, RANDOM).add(BigInteger.ONE)), // positive serial
            algorithm,
            issuer,
            seq(utcTime(now.minus(Duration.ofHours(1))), utcTime(now.plus(VALIDITY))),
            subject,
            subjectKey.getEncoded(), // already a DER SubjectPublicKeyInfo
            tlv(0xA3, seq(extensions))); // [3] extensions
    Signature signature = Signature.getInstance("SHA256withECDSA"); // DER ECDSA-Sig-Value, as X.509 wants
    signature.initSign(issuerKey);
    signature.update(tbs);
    byte[] certificate = seq(tbs, algorithm, bitString(signature.sign(), 0));
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certificate));
  }

  private static byte[] cn(String commonName) {
    return name(OID_COMMON_NAME, commonName);
  }

  /** A distinguished name of one attribute. */
  private static byte[] name(String attribute, String value) {
    return seq(tlv(0x31, seq(oid(attribute), tlv(0x0C, value.getBytes(StandardCharsets.UTF_8)))));
  }

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical ? seq(oid(oid), bool(true), tlv(0x04, value)) : seq(oid(oid), tlv(0x04, value));
  }

  // ---- DER

  private static byte[] seq(byte[]... parts) {
    return tlv(0x30, parts);
  }

  private static byte[] bool(boolean value) {
    return tlv(0x01, new byte[] {(byte) (value ? 0xFF : 0)});
  }

  private static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray()); // minimal two's complement, as DER wants
  }

  private static byte[] bitString(byte[] bits, int unusedBits) {
    byte[] content = new byte[bits.length + 1];
    content[0] = (byte) unusedBits;
    System.arraycopy(bits, 0, content, 1, bits.length);
    return tlv(0x03, content);
  }

  private static byte[] utcTime(Instant instant) {
    String text = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(instant);
    return tlv(0x17, text.getBytes(StandardCharsets.US_ASCII)); // UTCTime: fine until 2050
  }

  private static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    base128(out, 40L * Long.parseLong(arcs[0]) + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      base128(out, Long.parseLong(arcs[i]));
    }
    return tlv(0x06, out.toByteArray());
  }

  private static void base128(ByteArrayOutputStream out, long value) {
    int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 6) / 7);
    for (int g = groups - 1; g >= 0; g--) {
      int b = (int) ((value >>> (7 * g)) & 0x7F);
      out.write(g == 0 ? b : b | 0x80);
    }
  }

  private static byte[] tlv(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      content.writeBytes(p);
    }
    int length = content.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content.toByteArray());
    return out.toByteArray();
  }

  // ---- PEM

  private static byte[] der(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path writePem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n", StandardCharsets.US_ASCII);
    return file;
  }
}
