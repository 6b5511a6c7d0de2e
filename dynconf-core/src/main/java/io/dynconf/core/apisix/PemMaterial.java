package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;


import io.dynconf.core.internal.SslMaterial;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * PEM certificates and private keys as the {@code ssls} store checks them, with the JDK alone:
 * keys in PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE
 * KEY}); password-protected keys are refused. For servers that load what the store holds (the
 * same rules, so what was stored loads). Thread-safe.
 */
public final class PemMaterial {
  private PemMaterial() {}

  /**
   * The certificates of a PEM text, leaf first; at least one.
   *
   * @throws InvalidConfigException with the reason (field "") when none parses
   */
  public static List<X509Certificate> certificates(String pem) {
    return List.copyOf(SslMaterial.certificates(pem, "", null));
  }

  /**
   * The first private key of a PEM text.
   *
   * @throws InvalidConfigException with the reason (field "") when it does not parse or is
   *     password-protected
   */
  public static PrivateKey privateKey(String pem) {
    return SslMaterial.privateKey(pem, "");
  }

  /**
   * Whether {@code key} belongs to {@code certificate}: RSA moduli compare; other keys sign a
   * random challenge that the certificate's public key must verify.
   */
  public static boolean matches(PrivateKey key, X509Certificate certificate) {
    return SslMaterial.matches(key, certificate);
  }
}
