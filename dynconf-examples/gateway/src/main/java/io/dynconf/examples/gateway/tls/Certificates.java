package io.dynconf.examples.gateway.tls;

import static io.dynconf.examples.gateway.tls.Pem.seq;
import static io.dynconf.examples.gateway.tls.Pem.tlv;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Issues X.509 v3 certificates with the JDK alone. The JDK makes keys and signatures but has no
 * public API that builds a certificate, so the few DER structures of RFC 5280 are written here:
 * the gateway's self-signed default certificate, and test CAs and leaves.
 *
 * <pre>{@code
 * Certificates.Issued ca = Certificates.builder("test CA").ca().issue();
 * Certificates.Issued leaf = Certificates.builder("a.example.com").dnsNames("a.example.com").issuer(ca).issue();
 * }</pre>
 *
 * <p>Keys are EC P-256 (or RSA 2048, {@link Builder#rsa()}); signatures SHA-256 with ECDSA or RSA
 * after the issuer's key; serials random and positive. A leaf has {@code digitalSignature} (and,
 * for RSA, {@code keyEncipherment}) and {@code serverAuth}; a CA has {@code keyCertSign}.
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
    return new Builder(commonName);
  }

  /** Options of one certificate; {@link #issue()} makes it. Not thread-safe. */
  public static final class Builder {
    private final String commonName;
    private final List<String> dnsNames = new ArrayList<>();
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(90));
    private boolean ca;
    private boolean rsa;
    private @Nullable Issued issuer;
    private @Nullable KeyPair keyPair;

    private Builder(String commonName) {
      if (commonName.isEmpty()) {
        throw new IllegalArgumentException("empty common name");
      }
      this.commonName = commonName;
    }

    /** Subject alternative names of type dNSName, such as {@code a.example.com} or {@code *.example.com}. */
    public Builder dnsNames(String... names) {
      dnsNames.addAll(List.of(names));
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
        byte[] subject = name(commonName);
        byte[] issuerName = issuer == null ? subject : issuer.certificate().getSubjectX500Principal().getEncoded();
        PrivateKey signingKey = issuer == null ? keys.getPrivate() : issuer.key();
        List<byte[]> extensions = new ArrayList<>();
        if (ca) {
          extensions.add(extension(OID_BASIC_CONSTRAINTS, true, seq(tlv(0x01, new byte[] {(byte) 0xff}))));
          extensions.add(extension(OID_KEY_USAGE, true, bitString(new byte[] {(byte) 0x06}, 1))); // keyCertSign, cRLSign
        } else {
          extensions.add(extension(OID_BASIC_CONSTRAINTS, true, seq()));
          // digitalSignature (bit 0), and keyEncipherment (bit 2) for RSA key exchange
          extensions.add(extension(OID_KEY_USAGE, true, keys.getPublic().getAlgorithm().equals("RSA")
              ? bitString(new byte[] {(byte) 0xa0}, 5) : bitString(new byte[] {(byte) 0x80}, 7)));
          extensions.add(extension(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH), oid(OID_CLIENT_AUTH))));
        }
        if (!dnsNames.isEmpty()) {
          List<byte[]> names = new ArrayList<>();
          for (String dns : dnsNames) {
            names.add(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
          }
          extensions.add(extension(OID_SUBJECT_ALT_NAME, false, seq(names.toArray(byte[][]::new))));
        }
        return new Issued(sign(subject, keys.getPublic(), issuerName, signingKey, extensions), keys.getPrivate());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
      }
    }

    private X509Certificate sign(byte[] subject, PublicKey subjectKey, byte[] issuerName, PrivateKey issuerKey,
        List<byte[]> extensions) throws GeneralSecurityException {
      boolean rsaSigner = issuerKey.getAlgorithm().equals("RSA");
      byte[] algorithm = rsaSigner ? seq(oid(OID_RSA_SHA256), new byte[] {0x05, 0x00}) : seq(oid(OID_EC_SHA256));
      byte[] tbs = seq(
          tlv(0xa0, integer(BigInteger.TWO)), // [0] version v3
          integer(new BigInteger(63, RANDOM).add(BigInteger.ONE)),
          algorithm,
          issuerName,
          seq(time(notBefore), time(notAfter)),
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

  private static byte[] name(String commonName) {
    return seq(tlv(0x31, seq(oid(OID_COMMON_NAME), tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
  }

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical ? seq(oid(oid), tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, value)) : seq(oid(oid), tlv(0x04, value));
  }

  private static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray());
  }

  private static byte[] bitString(byte[] bits, int unusedBits) {
    byte[] content = new byte[bits.length + 1];
    content[0] = (byte) unusedBits;
    System.arraycopy(bits, 0, content, 1, bits.length);
    return tlv(0x03, content);
  }

  /** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
  private static byte[] time(Instant instant) {
    boolean utc = instant.atZone(ZoneOffset.UTC).getYear() < 2050;
    String text = DateTimeFormatter.ofPattern(utc ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(instant);
    return tlv(utc ? 0x17 : 0x18, text.getBytes(StandardCharsets.US_ASCII));
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
      int b = (int) ((value >>> (7 * g)) & 0x7f);
      out.write(g == 0 ? b : b | 0x80);
    }
  }
}
