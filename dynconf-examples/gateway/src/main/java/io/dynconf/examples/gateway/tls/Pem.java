package io.dynconf.examples.gateway.tls;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.apisix.PemMaterial;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * PEM certificates and private keys, with the JDK alone. Keys: PKCS#8 ({@code PRIVATE KEY}),
 * PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}), which the JDK reads once
 * wrapped as PKCS#8; password-protected keys are refused. Parsing is dynconf-core's
 * {@link PemMaterial} (the ssl checker's own rules); this adds PEM encoding and the DER pieces the
 * certificate generator needs. Thread-safe; every failure is an {@link IllegalArgumentException}
 * whose message says what is wrong.
 */
public final class Pem {
  private Pem() {}

  /** The certificates of a PEM text, leaf first; at least one. */
  public static List<X509Certificate> certificates(String pem) {
    try {
      return PemMaterial.certificates(pem);
    } catch (InvalidConfigException e) {
      throw new IllegalArgumentException(e.reason(), e);
    }
  }

  /** The first private key of a PEM text. */
  public static PrivateKey privateKey(String pem) {
    try {
      return PemMaterial.privateKey(pem);
    } catch (InvalidConfigException e) {
      throw new IllegalArgumentException(e.reason(), e);
    }
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

  /** Whether {@code key} belongs to {@code certificate} (see {@link PemMaterial#matches}). */
  public static boolean matches(PrivateKey key, X509Certificate certificate) {
    return PemMaterial.matches(key, certificate);
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
