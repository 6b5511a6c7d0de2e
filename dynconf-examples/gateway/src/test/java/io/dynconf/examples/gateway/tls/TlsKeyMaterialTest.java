package io.dynconf.examples.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link KeyEncryption}, {@link Pem} and {@link Certificates}: sealing, key formats, issuing. */
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

  @Test
  void readsPkcs1AndSec1KeysAndPairsThem() throws Exception {
    Certificates.Issued rsa = Certificates.builder("rsa.test").rsa().issue();
    Certificates.Issued ec = Certificates.builder("ec.test").issue();
    // PKCS#1 and SEC1 are the OCTET STRING inside PKCS#8: unwrap them the way openssl writes them
    String pkcs1 = Pem.encode("RSA PRIVATE KEY", innerKey(rsa.key().getEncoded()));
    String sec1 = Pem.encode("EC PRIVATE KEY", withCurve(innerKey(ec.key().getEncoded()), ec.key().getEncoded()));

    assertThat(Pem.matches(Pem.privateKey(pkcs1), rsa.certificate())).isTrue();
    assertThat(Pem.matches(Pem.privateKey(sec1), ec.certificate())).isTrue();
    assertThat(Pem.matches(Pem.privateKey(ec.keyPem()), rsa.certificate())).isFalse();
    assertThat(Pem.matches(Pem.privateKey(Certificates.builder("ec2").issue().keyPem()), ec.certificate())).isFalse();
    assertThatThrownBy(() -> Pem.privateKey(ec.keyPem().replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY")))
        .hasMessageStartingWith("password-protected private keys are not supported");
  }

  @Test
  void issuesChainsThatVerifyWithTheRequestedValidity() throws Exception {
    Certificates.Issued ca = Certificates.builder("ca.test").ca().issue();
    Certificates.Issued leaf = Certificates.builder("leaf.test").dnsNames("leaf.test", "*.leaf.test").issuer(ca)
        .validity(Instant.parse("2030-01-01T00:00:00Z"), Instant.parse("2060-01-01T00:00:00Z")).issue();

    leaf.certificate().verify(ca.certificate().getPublicKey());
    assertThat(leaf.certificate().getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
    assertThat(leaf.certificate().getNotAfter().toInstant()).as("GeneralizedTime after 2049")
        .isEqualTo(Instant.parse("2060-01-01T00:00:00Z"));
    List<Object> sans = leaf.certificate().getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList();
    assertThat(sans).containsExactly("leaf.test", "*.leaf.test");
    assertThat(ca.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(leaf.certificate().getBasicConstraints()).isEqualTo(-1);
    assertThat(Pem.certificates(leaf.certificatePem() + ca.certificatePem())).containsExactly(leaf.certificate(), ca.certificate());
  }

  /** The privateKey OCTET STRING of a PKCS#8 PrivateKeyInfo (version, algorithm, key). */
  private static byte[] innerKey(byte[] pkcs8) {
    int p = skipHeader(pkcs8, 0); // into the outer SEQUENCE
    p = skip(pkcs8, p); // version
    p = skip(pkcs8, p); // algorithm
    int content = skipHeader(pkcs8, p);
    byte[] key = new byte[skip(pkcs8, p) - content];
    System.arraycopy(pkcs8, content, key, 0, key.length);
    return key;
  }

  /** The JDK's SEC1 inside PKCS#8 omits the curve; openssl's SEC1 files carry it as [0]. */
  private static byte[] withCurve(byte[] sec1, byte[] pkcs8) {
    int p = skipHeader(pkcs8, 0);
    p = skip(pkcs8, p);
    int algorithm = skipHeader(pkcs8, p);
    int curve = skip(pkcs8, algorithm); // after the id-ecPublicKey OID
    byte[] oid = new byte[skip(pkcs8, curve) - curve];
    System.arraycopy(pkcs8, curve, oid, 0, oid.length);
    int body = skipHeader(sec1, 0);
    byte[] inner = new byte[sec1.length - body];
    System.arraycopy(sec1, body, inner, 0, inner.length);
    byte[] tagged = Pem.tlv(0xa0, oid);
    byte[] all = new byte[inner.length + tagged.length];
    int version = skip(sec1, body) - body;
    int octets = skip(sec1, body + version) - body;
    System.arraycopy(inner, 0, all, 0, octets); // version, private key
    System.arraycopy(tagged, 0, all, octets, tagged.length); // [0] curve
    System.arraycopy(inner, octets, all, octets + tagged.length, inner.length - octets); // [1] public key, if any
    return Pem.tlv(0x30, all);
  }

  private static int skipHeader(byte[] der, int p) {
    int first = der[p + 1] & 0xff;
    return first < 0x80 ? p + 2 : p + 2 + (first & 0x7f);
  }

  private static int skip(byte[] der, int p) {
    int first = der[p + 1] & 0xff;
    if (first < 0x80) {
      return p + 2 + first;
    }
    int n = first & 0x7f;
    int length = 0;
    for (int i = 0; i < n; i++) {
      length = (length << 8) | (der[p + 2 + i] & 0xff);
    }
    return p + 2 + n + length;
  }
}
