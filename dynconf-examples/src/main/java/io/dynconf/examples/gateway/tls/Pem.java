package io.dynconf.examples.gateway.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * PEM certificates and private keys, with the JDK alone. Keys: PKCS#8 ({@code PRIVATE KEY}),
 * PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}), which the JDK reads once
 * wrapped as PKCS#8; password-protected keys are refused. dynconf-core's ssl checker applies the
 * same rules before a value is stored; this copy exists because core's internals are not an API.
 * Thread-safe; every failure is an {@link IllegalArgumentException} whose message says what is
 * wrong.
 */
public final class Pem {
  private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** AlgorithmIdentifier rsaEncryption with NULL parameters. */
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
      0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
  /** OID id-ecPublicKey. */
  private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  private Pem() {}

  /** The certificates of a PEM text, leaf first; at least one. */
  public static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> chain = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      if (m.group(1).equals("CERTIFICATE")) {
        try {
          chain.add((X509Certificate) CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der(m.group(2)))));
        } catch (CertificateException | IllegalArgumentException e) {
          throw new IllegalArgumentException("certificate " + (chain.size() + 1) + " does not parse: " + e.getMessage(), e);
        }
      }
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("no PEM certificate found");
    }
    return List.copyOf(chain);
  }

  /** The first private key of a PEM text. */
  public static PrivateKey privateKey(String pem) {
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      String label = m.group(1);
      switch (label) {
        case "PRIVATE KEY":
          return pkcs8(der(m.group(2)));
        case "RSA PRIVATE KEY":
          return pkcs8(seq(new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, tlv(0x04, der(m.group(2)))));
        case "EC PRIVATE KEY": {
          byte[] sec1 = der(m.group(2));
          byte[] curve = sec1Curve(sec1);
          if (curve == null) {
            throw new IllegalArgumentException("the EC PRIVATE KEY does not name its curve");
          }
          return pkcs8(seq(new byte[] {0x02, 0x01, 0x00}, seq(EC_PUBLIC_KEY, curve), tlv(0x04, sec1)));
        }
        case "ENCRYPTED PRIVATE KEY":
          throw new IllegalArgumentException("password-protected private keys are not supported");
        default:
          // another block (a certificate, parameters): keep looking
      }
    }
    throw new IllegalArgumentException("no PEM private key found");
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
      throw new IllegalStateException(e);
    }
  }

  /** PKCS#8 PEM text of a private key. */
  public static String encode(PrivateKey key) {
    return encode("PRIVATE KEY", key.getEncoded());
  }

  /**
   * Whether {@code key} belongs to {@code certificate}: RSA moduli compare; other keys sign a
   * random challenge that the certificate's key must verify.
   */
  public static boolean matches(PrivateKey key, X509Certificate certificate) {
    PublicKey publicKey = certificate.getPublicKey();
    if (key instanceof RSAPrivateCrtKey rsa) {
      return publicKey instanceof RSAPublicKey pub && pub.getModulus().equals(rsa.getModulus());
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
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signer.sign());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static PrivateKey pkcs8(byte[] der) {
    String problem = "unknown algorithm";
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException | RuntimeException e) {
        if (algorithm.equals("RSA") || algorithm.equals("EC")) {
          problem = String.valueOf(e.getMessage());
        }
      }
    }
    throw new IllegalArgumentException("the private key does not parse: " + problem);
  }

  private static byte[] der(String body) {
    String base64 = body.lines().filter(line -> !line.contains(":")).reduce("", String::concat).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a PEM body is not base64", e);
    }
  }

  /** The curve OID (whole TLV) in the {@code [0]} field of a SEC1 ECPrivateKey, or null. */
  private static byte @Nullable [] sec1Curve(byte[] der) {
    try {
      if (der[0] != 0x30) {
        return null;
      }
      int[] outer = header(der, 0);
      for (int p = outer[0]; p < outer[0] + outer[1]; ) {
        int[] h = header(der, p);
        if ((der[p] & 0xff) == 0xa0) {
          if (der[h[0]] != 0x06) {
            return null;
          }
          int[] oid = header(der, h[0]);
          byte[] out = new byte[oid[0] + oid[1] - h[0]];
          System.arraycopy(der, h[0], out, 0, out.length);
          return out;
        }
        p = h[0] + h[1];
      }
      return null;
    } catch (ArrayIndexOutOfBoundsException e) {
      return null;
    }
  }

  /** {content offset, content length} of the DER TLV at {@code p}. */
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
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
