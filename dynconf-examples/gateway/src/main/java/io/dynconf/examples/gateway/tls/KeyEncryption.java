package io.dynconf.examples.gateway.tls;

import io.dynconf.core.tls.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Private keys sealed with AES-GCM, so that the ssls store (etcd, the standalone file) holds no
 * key in the clear. The stored form is one line:
 *
 * <pre>$aesgcm$&lt;key id&gt;$&lt;base64 of nonce (12 bytes) || ciphertext || tag (16 bytes)&gt;</pre>
 *
 * <p>The plaintext is the PEM private key; the additional authenticated data is the prefix {@code
 * $aesgcm$<key id>$}, so the key id cannot be swapped. The keys come from the gateway's
 * configuration ({@code --tls-key-encryption-key ID:BASE64}, repeated or comma-separated; 16, 24
 * or 32 bytes: AES-128, -192 or -256); a key id names which one sealed a value, so keys can be
 * rotated: add the new key first (it seals from then on), re-seal, then drop the old one.
 *
 * <p>Seal a key from the command line:
 *
 * <pre>
 * java -cp dynconf-gateway.jar io.dynconf.examples.gateway.tls.KeyEncryption new k1         # prints k1:BASE64
 * java -cp dynconf-gateway.jar io.dynconf.examples.gateway.tls.KeyEncryption seal k1:BASE64 &lt; key.pem
 * </pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class KeyEncryption {
  /** How a sealed value starts. */
  public static final String PREFIX = "$aesgcm$";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern SEALED = Pattern.compile("^\\$aesgcm\\$([A-Za-z0-9_.-]{1,64})\\$([A-Za-z0-9+/=\\s]+)$");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;

  private final Map<String, SecretKey> keys;
  private final @Nullable String sealingId;

  private KeyEncryption(Map<String, SecretKey> keys) {
    this.keys = Map.copyOf(keys);
    this.sealingId = keys.isEmpty() ? null : keys.keySet().iterator().next();
  }

  /** No keys: sealed values cannot be opened. */
  public static KeyEncryption none() {
    return new KeyEncryption(Map.of());
  }

  /**
   * Keys given as {@code ID:BASE64}; the first one seals.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong (never the key bytes)
   */
  public static KeyEncryption parse(List<String> specs) {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    for (String spec : specs) {
      int colon = spec.indexOf(':');
      String id = colon < 0 ? spec : spec.substring(0, colon);
      if (colon < 0 || !ID.matcher(id).matches()) {
        throw new IllegalArgumentException("--tls-key-encryption-key: expected ID:BASE64 with an id of letters, digits, "
            + "'_', '.' or '-' (got an entry starting \"" + id.substring(0, Math.min(id.length(), 16)) + "\")");
      }
      byte[] key;
      try {
        key = Base64.getDecoder().decode(spec.substring(colon + 1).trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--tls-key-encryption-key " + id + ": the key is not base64");
      }
      if (key.length != 16 && key.length != 24 && key.length != 32) {
        throw new IllegalArgumentException("--tls-key-encryption-key " + id + ": the key is " + key.length
            + " bytes; expected 16, 24 or 32 (AES-128, -192, -256)");
      }
      if (keys.putIfAbsent(id, new SecretKeySpec(key, "AES")) != null) {
        throw new IllegalArgumentException("--tls-key-encryption-key: key id " + id + " given twice");
      }
    }
    return new KeyEncryption(keys);
  }

  /** Whether {@code value} is in the sealed form (it may still not open). */
  public static boolean isSealed(String value) {
    return value.strip().startsWith(PREFIX);
  }

  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /** Seals {@code pem} with the first key. */
  public String seal(String pem) {
    if (sealingId == null) {
      throw new IllegalStateException("no key encryption key configured (--tls-key-encryption-key ID:BASE64)");
    }
    try {
      byte[] nonce = new byte[NONCE];
      RANDOM.nextBytes(nonce);
      String header = PREFIX + sealingId + "$";
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.get(sealingId), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(header.getBytes(StandardCharsets.US_ASCII));
      byte[] sealed = cipher.doFinal(pem.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE);
      System.arraycopy(sealed, 0, out, NONCE, sealed.length);
      return header + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * The PEM text of a sealed value; a value that is not sealed is returned as it is.
   *
   * @throws IllegalArgumentException when the value is malformed, its key id is not configured, or
   *     it does not authenticate (wrong key, altered text)
   */
  public String open(String value) {
    if (!isSealed(value)) {
      return value;
    }
    Matcher m = SEALED.matcher(value.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("malformed $aesgcm$ value: expected $aesgcm$<key id>$<base64>");
    }
    String id = m.group(1);
    SecretKey key = keys.get(id);
    if (key == null) {
      throw new IllegalArgumentException("sealed with key id \"" + id + "\", which is not configured (known: "
          + (keys.isEmpty() ? "none; set --tls-key-encryption-key" : String.join(", ", keys.keySet())) + ")");
    }
    byte[] sealed;
    try {
      sealed = Base64.getDecoder().decode(m.group(2).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed $aesgcm$ value: the payload is not base64");
    }
    if (sealed.length <= NONCE + TAG_BITS / 8) {
      throw new IllegalArgumentException("malformed $aesgcm$ value: " + sealed.length + " bytes is too short");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
      cipher.updateAAD((PREFIX + id + "$").getBytes(StandardCharsets.US_ASCII));
      return new String(cipher.doFinal(sealed, NONCE, sealed.length - NONCE), StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new IllegalArgumentException("does not decrypt with key id \"" + id + "\" (another key with that id, or "
          + "the value was altered)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** {@code new ID} prints a fresh key spec; {@code seal ID:BASE64} seals the PEM read from stdin. */
  public static void main(String[] args) throws IOException {
    if (args.length == 2 && args[0].equals("new")) {
      byte[] key = new byte[32];
      RANDOM.nextBytes(key);
      System.out.println(parse(List.of(args[1] + ":" + Base64.getEncoder().encodeToString(key))).sealingId + ":"
          + Base64.getEncoder().encodeToString(key));
    } else if (args.length == 2 && args[0].equals("seal")) {
      String pem = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      Pem.privateKey(pem); // refuse to seal something that is not a key
      System.out.println(parse(List.of(args[1])).seal(pem));
    } else {
      System.err.println("usage: KeyEncryption new ID | KeyEncryption seal ID:BASE64 < key.pem");
      System.exit(2);
    }
  }
}
