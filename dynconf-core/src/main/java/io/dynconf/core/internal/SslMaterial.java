package io.dynconf.core.internal;

import io.dynconf.core.InvalidConfigException;
import io.dynconf.core.tls.Pem;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The deep checks of an ssl's certificates and keys: {@link Pem}'s parsing, with each problem
 * reported as an {@link InvalidConfigException} at the field that holds the PEM text. Every
 * certificate parses and has not expired, every PEM private key parses and belongs to the
 * certificate it is paired with. Encrypted keys cannot be opened here (the keys live in the
 * gateway's configuration), so only their envelope is checked; see {@link #ENVELOPE}.
 */
public final class SslMaterial {
  /** The gateway's AES-GCM envelope: {@code $aesgcm$<key id>$<base64 of nonce(12) || ciphertext || tag(16)>}. */
  static final Pattern ENVELOPE = Pattern.compile("^\\$aesgcm\\$([A-Za-z0-9_.-]{1,64})\\$([A-Za-z0-9+/=\\s]+)$");

  private static final int GCM_OVERHEAD = 12 + 16;

  private SslMaterial() {}

  /**
   * The certificates of a PEM text (a leaf and optionally its chain), each valid at {@code now}.
   *
   * @throws InvalidConfigException at {@code pointer} naming the certificate and the problem
   */
  public static List<X509Certificate> certificates(String pem, String pointer, @Nullable Instant now) {
    try {
      return Pem.certificates(pem, now);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(pointer, String.valueOf(e.getMessage()));
    }
  }

  /**
   * The private key of a PEM text.
   *
   * @throws InvalidConfigException at {@code pointer} when it does not parse or is password-protected
   */
  public static PrivateKey privateKey(String pem, String pointer) {
    try {
      return Pem.privateKey(pem);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(pointer, String.valueOf(e.getMessage()));
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

  private static byte @Nullable [] base64(String text) {
    try {
      byte[] bytes = Base64.getDecoder().decode(text.replaceAll("\\s", ""));
      return bytes.length == 0 ? null : bytes;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
