package io.dynconf.examples.gateway.tls;

import io.dynconf.core.tls.Certificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link KeyEncryption}: sealing and opening keys (key formats and issuing: dynconf-core's PemTest). */
class TlsKeyMaterialTest {
  private static final String K1 = "k1:" + Base64.getEncoder().encodeToString(new byte[16]);
  private static final String K2 = "k2:" + Base64.getEncoder().encodeToString(new byte[32]);

  @Test
  void aSealedKeyOpensWithItsKeyIdAfterRotation() {
    String pem = Certificates.builder("seal.test").issue().keyPem();
    String sealed = KeyEncryption.parse(List.of(K1)).seal(pem);
    KeyEncryption rotated = KeyEncryption.parse(List.of(K2, K1)); // k2 seals now, k1 still opens

    assertThat(sealed).startsWith("$aesgcm$k1$").doesNotContain("PRIVATE");
    assertThat(rotated.open(sealed)).isEqualTo(pem);
    assertThat(rotated.seal(pem)).startsWith("$aesgcm$k2$");
    assertThat(rotated.open(pem)).as("a PEM key passes through").isEqualTo(pem);
  }

  @Test
  void aSealedKeyThatWasAlteredOrRelabelledDoesNotOpen() {
    KeyEncryption both = KeyEncryption.parse(List.of(K1, "k3:" + Base64.getEncoder().encodeToString(new byte[16])));
    String sealed = both.seal("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    char[] chars = sealed.toCharArray();
    int last = chars.length - 3;
    chars[last] = chars[last] == 'A' ? 'B' : 'A';

    assertThatThrownBy(() -> both.open(new String(chars))).hasMessageContaining("does not decrypt with key id \"k1\"");
    assertThatThrownBy(() -> both.open(sealed.replace("$k1$", "$k3$")))
        .as("the key id is authenticated").hasMessageContaining("does not decrypt with key id \"k3\"");
    assertThatThrownBy(() -> KeyEncryption.none().open(sealed)).hasMessageContaining("not configured (known: none");
  }

  @Test
  void badKeySpecsNameTheEntryButNeverTheKey() {
    assertThatThrownBy(() -> KeyEncryption.parse(List.of("k1:" + Base64.getEncoder().encodeToString(new byte[10]))))
        .hasMessage("--tls-key-encryption-key k1: the key is 10 bytes; expected 16, 24 or 32 (AES-128, -192, -256)");
    assertThatThrownBy(() -> KeyEncryption.parse(List.of("justbase64"))).hasMessageContaining("expected ID:BASE64");
    assertThatThrownBy(() -> KeyEncryption.parse(List.of(K1, K1))).hasMessageContaining("k1 given twice");
  }
}
