package io.dynconf.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** {@link Pem} and {@link Certificates}: key formats, pairing, issuing (moved from the gateway's TlsKeyMaterialTest). */
class PemTest {

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
    byte[] tagged = Der.tlv(0xa0, oid);
    byte[] all = new byte[inner.length + tagged.length];
    int version = skip(sec1, body) - body;
    int octets = skip(sec1, body + version) - body;
    System.arraycopy(inner, 0, all, 0, octets); // version, private key
    System.arraycopy(tagged, 0, all, octets, tagged.length); // [0] curve
    System.arraycopy(inner, octets, all, octets + tagged.length, inner.length - octets); // [1] public key, if any
    return Der.tlv(0x30, all);
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

  @Test
  void issuesIpAddressNamesAndSubjectsWithoutACommonName() throws Exception {
    Certificates.Issued ca = Certificates.builder("ca.test").ca().issue();
    Certificates.Issued client = Certificates.builder(new X500Principal("O=dynconf test client")).issuer(ca).issue();
    Certificates.Issued server = Certificates.builder("127.0.0.1").ipAddresses("127.0.0.1", "::1").dnsNames("localhost")
        .issuer(ca).issue();

    client.certificate().verify(ca.certificate().getPublicKey());
    assertThat(client.certificate().getSubjectX500Principal().getName()).isEqualTo("O=dynconf test client");
    List<Object> sans = server.certificate().getSubjectAlternativeNames().stream().map(l -> (Object) l.get(1)).toList();
    assertThat(sans).hasSize(3).contains("localhost");
    assertThat(sans.subList(0, 2).stream().map(a -> {
      try {
        return InetAddress.getByName((String) a); // literals only: never a lookup
      } catch (java.net.UnknownHostException e) {
        throw new AssertionError(e);
      }
    }).toList()).containsExactly(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
    assertThatIllegalArgumentException().isThrownBy(() -> Certificates.builder("x").ipAddresses("localhost"))
        .withMessage("IP address SAN localhost is not an IPv4 or IPv6 address: character 'l' at index 0 is not allowed");
  }

  @Test
  void namesWhatDoesNotParse() {
    Certificates.Issued ec = Certificates.builder("ec.test").issue();
    assertThatThrownBy(() -> Pem.certificates("no pem here")).hasMessage("no PEM certificate found");
    assertThatThrownBy(() -> Pem.privateKey(ec.certificatePem())).hasMessage("no PEM private key found");
    assertThatThrownBy(() -> Pem.certificates(ec.certificatePem() + Pem.encode("CERTIFICATE", new byte[] {1, 2, 3})))
        .hasMessageStartingWith("certificate 2 of the chain does not parse as X.509");
    assertThatThrownBy(() -> Pem.certificates(ec.certificatePem(), Instant.parse("2200-01-01T00:00:00Z")))
        .hasMessageStartingWith("the certificate (subject CN=ec.test, serial ").hasMessageContaining(") expired at ");
    assertThatThrownBy(() -> Pem.privateKey("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----"))
        .hasMessageStartingWith("unsupported private key type DSA PRIVATE KEY");
    assertThatThrownBy(() -> Pem.blocks("-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----").get(0).der())
        .hasMessage("the body of the PEM block PRIVATE KEY is not base64");
  }
}
