package io.dynconf.core.internal;

import io.dynconf.core.InvalidConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
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
 * The deep checks of an ssl's certificates and keys, with the JDK alone: every certificate parses
 * and has not expired, every PEM private key parses (PKCS#8 {@code PRIVATE KEY}, PKCS#1 {@code RSA
 * PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}) and belongs to the certificate it is paired with.
 * Encrypted keys cannot be opened here (the keys live in the gateway's configuration), so only
 * their envelope is checked; see {@link #ENVELOPE}.
 */
public final class SslMaterial {
  /** The gateway's AES-GCM envelope: {@code $aesgcm$<key id>$<base64 of nonce(12) || ciphertext || tag(16)>}. */
  static final Pattern ENVELOPE = Pattern.compile("^\\$aesgcm\\$([A-Za-z0-9_.-]{1,64})\\$([A-Za-z0-9+/=\\s]+)$");

  private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int GCM_OVERHEAD = 12 + 16;

  private SslMaterial() {}

  /**
   * The certificates of a PEM text (a leaf and optionally its chain), each valid at {@code now}.
   *
   * @throws InvalidConfigException at {@code pointer} naming the certificate and the problem
   */
  public static List<X509Certificate> certificates(String pem, String pointer, @Nullable Instant now) {
    List<X509Certificate> chain = new ArrayList<>();
    Matcher m = PEM.matcher(pem);
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
    }
    while (m.find()) {
      if (!m.group(1).equals("CERTIFICATE")) {
        continue;
      }
      String which = chain.isEmpty() ? "the certificate" : "certificate " + (chain.size() + 1) + " of the chain";
      X509Certificate certificate;
      try {
        certificate = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der(m.group(2))));
      } catch (CertificateException | IllegalArgumentException e) {
        throw new InvalidConfigException(pointer, which + " does not parse as X.509: " + e.getMessage());
      }
      if (now != null && certificate.getNotAfter().toInstant().isBefore(now)) {
        throw new InvalidConfigException(pointer, which + " (" + describe(certificate) + ") expired at "
            + certificate.getNotAfter().toInstant());
      }
      chain.add(certificate);
    }
    if (chain.isEmpty()) {
      throw new InvalidConfigException(pointer, "no PEM certificate found");
    }
    return chain;
  }

  /**
   * The private key of a PEM text.
   *
   * @throws InvalidConfigException at {@code pointer} when it does not parse or is password-protected
   */
  public static PrivateKey privateKey(String pem, String pointer) {
    Matcher m = PEM.matcher(pem);
    while (m.find()) {
      String label = m.group(1);
      byte[] der;
      try {
        der = der(m.group(2));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(pointer, "the body of the PEM block " + label + " is not base64");
      }
      switch (label) {
        case "PRIVATE KEY":
          return pkcs8(der, pointer);
        case "RSA PRIVATE KEY":
          return pkcs8(Der.pkcs8(Der.RSA_ALGORITHM, der), pointer);
        case "EC PRIVATE KEY":
          byte[] curve = Der.sec1Curve(der);
          if (curve == null) {
            throw new InvalidConfigException(pointer, "the EC PRIVATE KEY does not name its curve (expected SEC1 with parameters)");
          }
          return pkcs8(Der.pkcs8(Der.seq(Der.EC_PUBLIC_KEY_OID, curve), der), pointer);
        case "ENCRYPTED PRIVATE KEY":
          throw new InvalidConfigException(pointer, "password-protected private keys are not supported: store the key "
              + "unencrypted (PKCS#8, PKCS#1 or SEC1 PEM) or in the gateway's $aesgcm$ form");
        default:
          if (label.endsWith("PRIVATE KEY")) {
            throw new InvalidConfigException(pointer, "unsupported private key type " + label
                + " (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
          }
      }
    }
    throw new InvalidConfigException(pointer, "no PEM private key found");
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

  /** Checks the shape of an {@code $aesgcm$} envelope (it cannot be opened here). */
  static void envelope(String value, String pointer) {
    Matcher m = ENVELOPE.matcher(value.strip());
    byte[] sealed = m.matches() ? base64(m.group(2)) : null;
    if (sealed == null || sealed.length <= GCM_OVERHEAD) {
      throw new InvalidConfigException(pointer, "malformed encrypted key: expected $aesgcm$<key id>$<base64 of "
          + "12-byte nonce, ciphertext and 16-byte tag>");
    }
  }

  static String describe(X509Certificate certificate) {
    return "subject " + certificate.getSubjectX500Principal().getName() + ", serial "
        + certificate.getSerialNumber().toString(16);
  }

  private static PrivateKey pkcs8(byte[] der, String pointer) {
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
    throw new InvalidConfigException(pointer, "the private key does not parse (RSA, EC, Ed25519, Ed448 or DSA): " + problem);
  }

  private static byte[] der(String body) {
    String base64 = body.lines().filter(line -> !line.contains(":")).reduce("", String::concat).replaceAll("\\s", "");
    return Base64.getDecoder().decode(base64);
  }

  private static byte @Nullable [] base64(String text) {
    try {
      byte[] bytes = Base64.getDecoder().decode(text.replaceAll("\\s", ""));
      return bytes.length == 0 ? null : bytes;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The few DER structures needed to wrap PKCS#1 and SEC1 keys as PKCS#8. */
  static final class Der {
    /** AlgorithmIdentifier rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d,
        0x01, 0x01, 0x01, 0x05, 0x00};
    /** OID id-ecPublicKey (1.2.840.10045.2.1). */
    static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Der() {}

    /** PrivateKeyInfo: version 0, the algorithm, the key as an OCTET STRING. */
    static byte[] pkcs8(byte[] algorithm, byte[] key) {
      return seq(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key));
    }

    /**
     * The curve OID (a whole TLV) of a SEC1 ECPrivateKey: {@code SEQUENCE {INTEGER 1, OCTET STRING,
     * [0] OID, [1] BIT STRING}}; null when absent or malformed.
     */
    static byte @Nullable [] sec1Curve(byte[] der) {
      try {
        int[] outer = header(der, 0);
        if (der[0] != 0x30) {
          return null;
        }
        int p = outer[0];
        int end = outer[0] + outer[1];
        while (p < end) {
          int tag = der[p] & 0xff;
          int[] h = header(der, p);
          if (tag == 0xa0) {
            int[] inner = header(der, h[0]);
            if (der[h[0]] != 0x06) {
              return null;
            }
            byte[] oid = new byte[inner[0] + inner[1] - h[0]];
            System.arraycopy(der, h[0], oid, 0, oid.length);
            return oid;
          }
          p = h[0] + h[1];
        }
        return null;
      } catch (ArrayIndexOutOfBoundsException e) {
        return null;
      }
    }

    /** {offset of the content, length of the content} of the TLV at {@code p}. */
    private static int[] header(byte[] der, int p) {
      int first = der[p + 1] & 0xff;
      if (first < 0x80) {
        return new int[] {p + 2, first};
      }
      int n = first & 0x7f;
      if (n == 0 || n > 3) {
        throw new ArrayIndexOutOfBoundsException("unsupported DER length");
      }
      int length = 0;
      for (int i = 0; i < n; i++) {
        length = (length << 8) | (der[p + 2 + i] & 0xff);
      }
      return new int[] {p + 2 + n, length};
    }

    static byte[] seq(byte[]... parts) {
      ByteArrayOutputStream content = new ByteArrayOutputStream();
      for (byte[] part : parts) {
        content.writeBytes(part);
      }
      return tlv(0x30, content.toByteArray());
    }

    static byte[] tlv(int tag, byte[] content) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(tag);
      int length = content.length;
      if (length < 0x80) {
        out.write(length);
      } else {
        byte[] bytes = BigInteger.valueOf(length).toByteArray();
        int skip = bytes[0] == 0 ? 1 : 0;
        out.write(0x80 | (bytes.length - skip));
        out.write(bytes, skip, bytes.length - skip);
      }
      out.writeBytes(content);
      return out.toByteArray();
    }
  }
}
