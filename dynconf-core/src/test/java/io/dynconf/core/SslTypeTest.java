package io.dynconf.core;

import static io.dynconf.core.StandardTypesTest.decode;
import static io.dynconf.core.StandardTypesTest.quote;
import static io.dynconf.core.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SslTypeTest {

  /** A self-signed EC certificate for test.com. */
  static final String CERT = """
      -----BEGIN CERTIFICATE-----
      MIIBfTCCASOgAwIBAgIUNLt25QPXKJM1DrdYndDtusvlSsIwCgYIKoZIzj0EAwIw
      EzERMA8GA1UEAwwIdGVzdC5jb20wIBcNMjYxMTI2MDU0MTQ3WhgPMjEyNjExMDIw
      NTQxNDdaMBMxETAPBgNVBAMMCHRlc3QuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0D
      AQcDQgAEtpmqJrct9sm6e8RAVLfkI5VpJIcPQVyNGGLWQslsIfhzQG56b3qHggxJ
      nAMjafqtKQ6LyssXR4MiuXgkgg30d6NTMFEwHQYDVR0OBBYEFPW7obANIaJzx1ez
      idD+/UD6KYmMMB8GA1UdIwQYMBaAFPW7obANIaJzx1ezidD+/UD6KYmMMA8GA1Ud
      EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgJD0lX3rLd2E1F/WjYkxCdzUD
      /sAsgVF1C+Q0jbi8X/UCIQCnD+A5J7ID+nObf6v3t1wjc2o2zmj0I1j9UxlL4mzR
      2w==
      -----END CERTIFICATE-----
      """;

  /** The certificate's key (PKCS#8). */
  static final String KEY = """
      -----BEGIN PRIVATE KEY-----
      MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQglW9K3M16duRYuXra
      +5OnUYPZg1FhvmBPpIRoYXp56hOhRANCAAS2maomty32ybp7xEBUt+QjlWkkhw9B
      XI0YYtZCyWwh+HNAbnpveoeCDEmcAyNp+q0pDovKyxdHgyK5eCSCDfR3
      -----END PRIVATE KEY-----
      """;

  /** A key as APISIX's Admin API stores it: base64 of AES-CBC ciphertext (three blocks). */
  static final String ENCRYPTED_KEY = "h9RpWIXW7bHvMohmfO9ef+lkwSYJlBKvVg1HgTgi9rRRYOcnA1SsPBkEBKBKepsY";

  private static Ssl ssl(String json) {
    return decode(StandardTypes.SSLS, "1", json);
  }

  private static InvalidConfigException rejected(String json) {
    return rejection(StandardTypes.SSLS, "1", json);
  }

  private static String pair(String cert, String key) {
    return "\"cert\": " + quote(cert) + ", \"key\": " + quote(key);
  }

  @Test
  void decodesAServerCertificateWithDefaultsApplied() {
    Ssl ssl = ssl("{" + pair(CERT, KEY) + ", \"snis\": [\"test.com\", \"*.test.com\"]}");

    assertThat(ssl.id()).isEqualTo("1");
    assertThat(ssl.type()).isEqualTo("server");
    assertThat(ssl.status()).isEqualTo(1);
    assertThat(ssl.cert()).isEqualTo(CERT);
    assertThat(ssl.key()).isEqualTo(KEY);
    assertThat(ssl.snis()).containsExactly("test.com", "*.test.com");
    assertThat(ssl.certs()).isEmpty();
    assertThat(ssl.client()).isNull();
    assertThat(ssl.sslProtocols()).isEmpty();
  }

  @Test
  void normalisesSniToSnis() {
    assertThat(ssl("{" + pair(CERT, KEY) + ", \"sni\": \"test.com\"}").snis()).containsExactly("test.com");
  }

  @Test
  void decodesExtraPairsMutualTlsAndProtocols() {
    Ssl ssl = ssl("{" + pair(CERT, ENCRYPTED_KEY) + ", \"sni\": \"test.com\", \"certs\": [" + quote(CERT) + "], \"keys\": ["
        + quote(KEY) + "], \"client\": {\"ca\": " + quote(CERT) + ", \"skip_mtls_uri_regex\": [\"/health.*\"]},"
        + " \"ssl_protocols\": [\"TLSv1.2\", \"TLSv1.3\"], \"status\": 0, \"labels\": {\"k\": \"v\"}}");

    assertThat(ssl.key()).isEqualTo(ENCRYPTED_KEY);
    assertThat(ssl.certs()).containsExactly(CERT);
    assertThat(ssl.keys()).containsExactly(KEY);
    assertThat(ssl.client()).isEqualTo(new Ssl.Client(CERT, 1, List.of("/health.*")));
    assertThat(ssl.sslProtocols()).containsExactly("TLSv1.2", "TLSv1.3");
    assertThat(ssl.status()).isZero();
  }

  @Test
  void decodesAClientCertificateWithoutSni() {
    Ssl ssl = ssl("{" + pair(CERT, KEY) + ", \"type\": \"client\"}");

    assertThat(ssl.type()).isEqualTo("client");
    assertThat(ssl.snis()).isEmpty();
  }

  @Test
  void skipsThePemCheckForSecretReferences() {
    Ssl ssl = ssl("{\"cert\": \"$secret://vault/1/test.com/cert\", \"key\": \"$ENV://TEST_KEY\", \"sni\": \"test.com\"}");

    assertThat(ssl.cert()).isEqualTo("$secret://vault/1/test.com/cert");
  }

  @Test
  void rejectsACertificateThatIsNotPem() {
    InvalidConfigException e = rejected("{" + pair("x".repeat(200), KEY) + ", \"sni\": \"test.com\"}");

    assertThat(e.field()).isEqualTo("/cert");
    assertThat(e.reason()).startsWith("not a PEM certificate: expected -----BEGIN CERTIFICATE-----");
  }

  @Test
  void rejectsAPrivateKeyInPlaceOfTheCertificate() {
    InvalidConfigException e = rejected("{" + pair(KEY + KEY, KEY) + ", \"sni\": \"test.com\"}");

    assertThat(e.field()).isEqualTo("/cert");
    assertThat(e.reason()).startsWith("not a PEM certificate");
  }

  @Test
  void rejectsAPemBlockWhoseBodyIsNotBase64() {
    String broken = CERT.replace("2w==", "2w=*");
    InvalidConfigException e = rejected("{" + pair(broken, KEY) + ", \"sni\": \"test.com\"}");

    assertThat(e.field()).isEqualTo("/cert");
    assertThat(e.reason()).isEqualTo("the body of the PEM block CERTIFICATE is not base64");
  }

  @Test
  void rejectsAKeyThatIsNeitherPemNorEncrypted() {
    InvalidConfigException e = rejected("{" + pair(CERT, CERT) + ", \"sni\": \"test.com\"}");
    InvalidConfigException notCiphertext = rejected("{" + pair(CERT, ENCRYPTED_KEY + "AAAA") + ", \"sni\": \"test.com\"}");

    assertThat(e.field()).isEqualTo("/key");
    assertThat(e.reason()).startsWith("not a PEM private key");
    assertThat(notCiphertext.field()).isEqualTo("/key");
    assertThat(notCiphertext.reason()).startsWith("neither a PEM private key");
  }

  @Test
  void rejectsMismatchedCertsAndKeys() {
    InvalidConfigException e = rejected("{" + pair(CERT, KEY) + ", \"sni\": \"test.com\", \"certs\": [" + quote(CERT) + "]}");

    assertThat(e.field()).isEqualTo("/keys");
    assertThat(e.reason()).isEqualTo("mismatched number of certs and keys: 1 certs, 0 keys");
  }

  @Test
  void rejectsABadExtraPairAtItsIndex() {
    InvalidConfigException e = rejected("{" + pair(CERT, KEY) + ", \"sni\": \"test.com\", \"certs\": [" + quote(CERT) + ", "
        + quote("y".repeat(130)) + "], \"keys\": [" + quote(KEY) + ", " + quote(KEY) + "]}");

    assertThat(e.field()).isEqualTo("/certs/1");
  }

  @Test
  void rejectsAClientCaThatIsNotPem() {
    InvalidConfigException e = rejected("{" + pair(CERT, KEY) + ", \"sni\": \"test.com\", \"client\": {\"ca\": "
        + quote("z".repeat(130)) + "}}");

    assertThat(e.field()).isEqualTo("/client/ca");
  }

  @Test
  void rejectsAServerCertificateWithoutSni() {
    InvalidConfigException e = rejected("{" + pair(CERT, KEY) + "}");

    assertThat(e.field()).isEmpty();
    assertThat(e.reason()).contains("required key [sni");
  }

  @Test
  void rejectsAnUnknownProtocol() {
    InvalidConfigException e = rejected("{" + pair(CERT, KEY) + ", \"sni\": \"a.com\", \"ssl_protocols\": [\"SSLv3\"]}");

    assertThat(e.field()).isEqualTo("/ssl_protocols/0");
    assertThat(e.reason()).contains("SSLv3 is not a valid enum value");
  }
}
