package io.dynconf.core.tls;

import static io.dynconf.core.tls.Der.bitString;
import static io.dynconf.core.tls.Der.bool;
import static io.dynconf.core.tls.Der.integer;
import static io.dynconf.core.tls.Der.octetString;
import static io.dynconf.core.tls.Der.oid;
import static io.dynconf.core.tls.Der.seq;
import static io.dynconf.core.tls.Der.tlv;

import io.dynconf.core.match.IpAddress;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;

/**
 * Issues X.509 v3 certificates with the JDK alone. The JDK makes keys and signatures but has no
 * public API that builds a certificate, so the few DER structures of RFC 5280 are written here: the
 * gateway's self-signed default certificate, and the CAs and leaves of tests (the gateway's TLS
 * tests, the etcd test cluster's PKI).
 *
 * <pre>{@code
 * Certificates.Issued ca = Certificates.builder("test CA").ca().issue();
 * Certificates.Issued leaf = Certificates.builder("a.example.com").dnsNames("a.example.com").issuer(ca).issue();
 * }</pre>
 *
 * <p>Keys are EC P-256 (or RSA 2048, {@link Builder#rsa()}); signatures SHA-256 with ECDSA or RSA
 * after the issuer's key; serials random and positive. A leaf has {@code digitalSignature} (and,
 * for RSA, {@code keyEncipherment}), {@code serverAuth} and {@code clientAuth}; a CA has {@code
 * keyCertSign} and {@code cRLSign}.
 */
public final class Certificates {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String OID_EC_SHA256 = "1.2.840.10045.4.3.2";
  private static final String OID_RSA_SHA256 = "1.2.840.113549.1.1.11";
  private static final String OID_COMMON_NAME = "2.5.4.3";
  private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String OID_KEY_USAGE = "2.5.29.15";
  private static final String OID_EXT_KEY_USAGE = "2.5.29.37";
  private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private Certificates() {}

  /** A certificate and its private key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    public Issued {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(key, "key");
    }

    public String certificatePem() {
      return Pem.encode(certificate);
    }

    /** PKCS#8 PEM. */
    public String keyPem() {
      return Pem.encode(key);
    }
  }

  /** A certificate whose subject is {@code CN=<commonName>}. */
  public static Builder builder(String commonName) {
    if (commonName.isEmpty()) {
      throw new IllegalArgumentException("empty common name");
    }
    return new Builder(commonName, seq(tlv(0x31, seq(oid(OID_COMMON_NAME), Der.utf8(commonName)))));
  }

  /**
   * A certificate whose subject is {@code subject}, for example {@code new X500Principal("O=test
   * client")} for a client certificate without a common name.
   */
  public static Builder builder(X500Principal subject) {
    return new Builder(subject.getName(), subject.getEncoded());
  }

  /** Options of one certificate; {@link #issue()} makes it. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final byte[] subject;
    private final List<byte[]> altNames = new ArrayList<>();
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(90));
    private boolean ca;
    private boolean rsa;
    private @Nullable Issued issuer;
    private @Nullable KeyPair keyPair;

    private Builder(String name, byte[] subject) {
      this.name = name;
      this.subject = subject;
    }

    /** Subject alternative names of type dNSName, such as {@code a.example.com} or {@code *.example.com}. */
    public Builder dnsNames(String... names) {
      for (String dns : names) {
        altNames.add(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
      }
      return this;
    }

    /**
     * Subject alternative names of type iPAddress, such as {@code 127.0.0.1} or {@code ::1}.
     *
     * @throws IllegalArgumentException naming an address that is not an IP literal, and why
     */
    public Builder ipAddresses(String... addresses) {
      long[] parsed = new long[2];
      for (String address : addresses) {
        int family = IpAddress.parse(address, parsed);
        if (family == IpAddress.V4) {
          altNames.add(tlv(0x87, ByteBuffer.allocate(4).putInt((int) parsed[1]).array()));
        } else if (family == IpAddress.V6) {
          altNames.add(tlv(0x87, ByteBuffer.allocate(16).putLong(parsed[0]).putLong(parsed[1]).array()));
        } else {
          throw new IllegalArgumentException("IP address SAN " + address + " is " + IpAddress.problem(address));
        }
      }
      return this;
    }

    public Builder validity(Instant notBefore, Instant notAfter) {
      if (!notAfter.isAfter(notBefore)) {
        throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
      }
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      return this;
    }

    /** A certificate authority (basicConstraints CA:true, keyCertSign). */
    public Builder ca() {
      this.ca = true;
      return this;
    }

    /** An RSA 2048 key instead of EC P-256. */
    public Builder rsa() {
      this.rsa = true;
      return this;
    }

    /** Reuse a key pair (for example to renew a certificate); default: a new one. */
    public Builder keyPair(KeyPair keyPair) {
      this.keyPair = keyPair;
      return this;
    }

    /** Signed by {@code issuer}; default: self-signed. */
    public Builder issuer(Issued issuer) {
      this.issuer = issuer;
      return this;
    }

    public Issued issue() {
      try {
        KeyPair keys = keyPair != null ? keyPair : newKeyPair(rsa);
        byte[] issuerName = issuer == null ? subject : issuer.certificate().getSubjectX500Principal().getEncoded();
        PrivateKey signingKey = issuer == null ? keys.getPrivate() : issuer.key();
        List<byte[]> extensions = new ArrayList<>();
        if (ca) {
          extensions.add(extension(OID_BASIC_CONSTRAINTS, true, seq(bool(true))));
          extensions.add(extension(OID_KEY_USAGE, true, bitString(new byte[] {(byte) 0x06}, 1))); // keyCertSign, cRLSign
        } else {
          extensions.add(extension(OID_BASIC_CONSTRAINTS, true, seq()));
          // digitalSignature (bit 0), and keyEncipherment (bit 2) for RSA key exchange
          extensions.add(extension(OID_KEY_USAGE, true, keys.getPublic().getAlgorithm().equals("RSA")
              ? bitString(new byte[] {(byte) 0xa0}, 5) : bitString(new byte[] {(byte) 0x80}, 7)));
          extensions.add(extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH), oid(OID_CLIENT_AUTH))));
        }
        if (!altNames.isEmpty()) {
          extensions.add(extension(OID_SUBJECT_ALT_NAME, false, seq(altNames.toArray(byte[][]::new))));
        }
        return new Issued(sign(keys.getPublic(), issuerName, signingKey, extensions), keys.getPrivate());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot issue a certificate for " + name, e);
      }
    }

    private X509Certificate sign(PublicKey subjectKey, byte[] issuerName, PrivateKey issuerKey, List<byte[]> extensions)
        throws GeneralSecurityException {
      boolean rsaSigner = issuerKey.getAlgorithm().equals("RSA");
      byte[] algorithm = rsaSigner ? seq(oid(OID_RSA_SHA256), new byte[] {0x05, 0x00}) : seq(oid(OID_EC_SHA256));
      byte[] tbs = seq(
          tlv(0xa0, integer(BigInteger.TWO)), // [0] version v3
          integer(new BigInteger(63, RANDOM).add(BigInteger.ONE)),
          algorithm,
          issuerName,
          seq(Der.time(notBefore), Der.time(notAfter)),
          subject,
          subjectKey.getEncoded(), // a DER SubjectPublicKeyInfo already
          tlv(0xa3, seq(extensions.toArray(byte[][]::new))));
      Signature signature = Signature.getInstance(rsaSigner ? "SHA256withRSA" : "SHA256withECDSA");
      signature.initSign(issuerKey);
      signature.update(tbs);
      byte[] der = seq(tbs, algorithm, bitString(signature.sign(), 0));
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
  }

  private static KeyPair newKeyPair(boolean rsa) throws GeneralSecurityException {
    if (rsa) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048, RANDOM);
      return g.generateKeyPair();
    }
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical ? seq(oid(oid), bool(true), octetString(value)) : seq(oid(oid), octetString(value));
  }
}
