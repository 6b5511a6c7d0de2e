package io.dynconf.core.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * PEM certificates and private keys (RFC 7468), with the JDK alone: the one parser of PEM in
 * dynconf, used by the ssls checker and by servers that load what the store holds (the same rules,
 * so what was stored loads). Keys: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY})
 * and SEC1 ({@code EC PRIVATE KEY}), which the JDK reads once wrapped as PKCS#8 (RSA, EC, Ed25519,
 * Ed448, RSASSA-PSS, DSA); password-protected keys ({@code ENCRYPTED PRIVATE KEY}) are refused.
 * Also writes PEM. Thread-safe; every failure is an {@link IllegalArgumentException} whose message
 * says what is wrong.
 */
public final class Pem {
  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final SecureRandom RANDOM = new SecureRandom();

  private Pem() {}

  /**
   * One PEM block as written: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) and its
   * body, base64 perhaps preceded by RFC 1421 header lines ({@code Proc-Type: ...}).
   */
  public record Block(String label, String body) {
    /**
     * The bytes of the body (header lines dropped, whitespace ignored); empty for an empty body.
     *
     * @throws IllegalArgumentException naming the label when the body is not base64
     */
    public byte[] der() {
      String base64 = body.lines().filter(line -> !line.contains(":")).reduce("", String::concat).replaceAll("\\s", "");
      try {
        return Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the body of the PEM block " + label + " is not base64", e);
      }
    }
  }

  /** The PEM blocks of {@code text} in order; text around and between them is ignored. */
  public static List<Block> blocks(String text) {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      blocks.add(new Block(m.group(1), m.group(2)));
    }
    return blocks;
  }

  /** The certificates of a PEM text, leaf first; at least one. */
  public static List<X509Certificate> certificates(String pem) {
    return certificates(pem, null);
  }

  /**
   * The certificates of a PEM text (a leaf and optionally its chain), leaf first; at least one;
   * each valid at {@code validAt} unless that is null.
   *
   * @throws IllegalArgumentException naming the certificate (its place, subject and serial) and
   *     the problem
   */
  public static List<X509Certificate> certificates(String pem, @Nullable Instant validAt) {
    List<X509Certificate> chain = new ArrayList<>();
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
    }
    for (Block block : blocks(pem)) {
      if (!block.label().equals("CERTIFICATE")) {
        continue;
      }
      String which = chain.isEmpty() ? "the certificate" : "certificate " + (chain.size() + 1) + " of the chain";
      X509Certificate certificate;
      try {
        certificate = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der()));
      } catch (CertificateException | IllegalArgumentException e) {
        throw new IllegalArgumentException(which + " does not parse as X.509: " + e.getMessage(), e);
      }
      if (validAt != null && certificate.getNotAfter().toInstant().isBefore(validAt)) {
        throw new IllegalArgumentException(which + " (" + describe(certificate) + ") expired at "
            + certificate.getNotAfter().toInstant());
      }
      chain.add(certificate);
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate found");
    }
    return List.copyOf(chain);
  }

  /**
   * The first private key of a PEM text.
   *
   * @throws IllegalArgumentException when it does not parse, is password-protected or is missing
   */
  public static PrivateKey privateKey(String pem) {
    for (Block block : blocks(pem)) {
      String label = block.label();
      switch (label) {
        case "PRIVATE KEY":
          return pkcs8(block.der());
        case "RSA PRIVATE KEY":
          return pkcs8(Der.pkcs8(Der.RSA_ALGORITHM, block.der()));
        case "EC PRIVATE KEY":
          byte[] der = block.der();
          byte[] curve = Der.sec1Curve(der);
          if (curve == null) {
            throw new IllegalArgumentException("the EC PRIVATE KEY does not name its curve (expected SEC1 with parameters)");
          }
          return pkcs8(Der.pkcs8(Der.seq(Der.EC_PUBLIC_KEY_OID, curve), der));
        case "ENCRYPTED PRIVATE KEY":
          throw new IllegalArgumentException("password-protected private keys are not supported: store the key "
              + "unencrypted (PKCS#8, PKCS#1 or SEC1 PEM) or in the gateway's $aesgcm$ form");
        default:
          if (label.endsWith("PRIVATE KEY")) {
            throw new IllegalArgumentException("unsupported private key type " + label
                + " (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
          }
      }
    }
    throw new IllegalArgumentException("no PEM private key found");
  }

  /**
   * Whether {@code key} is the private key of {@code certificate}: RSA keys compare moduli, other
   * keys sign a random challenge that the certificate's public key must verify.
   */
  public static boolean matches(PrivateKey key, X509Certificate certificate) {
    PublicKey publicKey = certificate.getPublicKey();
    if (key instanceof RSAPrivateCrtKey rsa) {
      return publicKey instanceof RSAPublicKey pub && pub.getModulus().equals(rsa.getModulus())
          && pub.getPublicExponent().equals(rsa.getPublicExponent());
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "DSA" -> "SHA256withDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> null;
    };
    if (algorithm == null) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // for example an EC key on another curve than the certificate's
    }
  }

  /** {@code subject <name>, serial <hex>}, to name a certificate in a message. */
  public static String describe(X509Certificate certificate) {
    return "subject " + certificate.getSubjectX500Principal().getName() + ", serial "
        + certificate.getSerialNumber().toString(16);
  }

  /** PEM text of one DER structure, 64 characters a line. */
  public static String encode(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  /** PEM text of a certificate. */
  public static String encode(X509Certificate certificate) {
    try {
      return encode("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot encode " + describe(certificate), e);
    }
  }

  /** PKCS#8 PEM text of a private key. */
  public static String encode(PrivateKey key) {
    return encode("PRIVATE KEY", key.getEncoded());
  }

  private static PrivateKey pkcs8(byte[] der) {
    String problem = "unknown key algorithm";
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException e) {
        if (algorithm.equals("RSA") || algorithm.equals("EC")) {
          problem = e.getMessage() == null ? e.toString() : e.getMessage();
        }
      }
    }
    throw new IllegalArgumentException("the private key does not parse (RSA, EC, Ed25519, Ed448 or DSA): " + problem);
  }
}
