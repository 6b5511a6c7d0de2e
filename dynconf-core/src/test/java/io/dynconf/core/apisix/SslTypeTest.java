package io.dynconf.core.apisix;

import io.dynconf.core.InvalidConfigException;


import static io.dynconf.core.apisix.StandardTypesTest.decode;
import static io.dynconf.core.apisix.StandardTypesTest.quote;
import static io.dynconf.core.apisix.StandardTypesTest.rejection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dynconf.core.internal.StdCheckers;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
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

  /** The key of {@link #CERT} in SEC1 form ({@code EC PRIVATE KEY}). */
  static final String SEC1_KEY = """
      -----BEGIN EC PRIVATE KEY-----
      MHcCAQEEIJVvStzNenbkWLl62vuTp1GD2YNRYb5gT6SEaGF6eeoToAoGCCqGSM49
      AwEHoUQDQgAEtpmqJrct9sm6e8RAVLfkI5VpJIcPQVyNGGLWQslsIfhzQG56b3qH
      ggxJnAMjafqtKQ6LyssXR4MiuXgkgg30dw==
      -----END EC PRIVATE KEY-----
      """;

  /** A self-signed RSA certificate for rsa.test.com, valid until 2126. */
  static final String RSA_CERT = """
      -----BEGIN CERTIFICATE-----
      MIIDETCCAfmgAwIBAgIUOlOO4gaptZ/JQ+b4HmwG2hnWlFcwDQYJKoZIhvcNAQEL
      BQAwFzEVMBMGA1UEAwwMcnNhLnRlc3QuY29tMCAXDTI2MTEyNjA4MTUyN1oYDzIx
      MjYxMTAyMDgxNTI3WjAXMRUwEwYDVQQDDAxyc2EudGVzdC5jb20wggEiMA0GCSqG
      SIb3DQEBAQUAA4IBDwAwggEKAoIBAQCvMsb4hqnkZeEqhQcdeOLmL7I5c4IT1Vfq
      GpW9goeXhl+T68CXPAI9EeWAnxOfEj4y3DQdxNcfY+KBa5j24p7wcouyvBQdzH7F
      ob2b/zvH3kb080ZsCLdO/i3ovpHoex+Jdg2B5kABMihwNT/WDYM8QapIjgdnBplL
      J7kOPIpg/3CC1MLQId6kO7QpUg6u15D9PAJZQuF0EdsYB4zIflfv6OWfH/NPz9mi
      zqYDTqjxq71X4KNfo6myu6qB35l8qtgPygxkTxhi99IbAwBKyhYTt32mPyeXSiPi
      MlofUHepRXqXpJ7qR4RDjVmJCln6TwaXlHufbR5cVgYEerZqXsjZAgMBAAGjUzBR
      MB0GA1UdDgQWBBQURX/Dia3CSADaeIliUEkFOt1YkzAfBgNVHSMEGDAWgBQURX/D
      ia3CSADaeIliUEkFOt1YkzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUA
      A4IBAQCCKQSoO6Ll9QIdW7Vie+xhDKfO2+mL1roztwMyWzGVfkHNlKe+/m+fDfVV
      2c/rDXz8SR+m1HkNXlQG8P6rmNFP6esR9Hj5Zi2X3zMsjIx6F5iIgmp4Go4mFxhN
      dNwAs2XRpSOPIZ+vvOBXe4MvUuXbjzdEIutbkxxMpMwUVyYdj4v9K/Us6WUJJNKe
      u268G4XEAA838DARZ4cM00wQrwDlosq0RxBfw1dfwaBUaFPKhRSXd/PmcNTmkX9d
      h6EWFS08FvUu2jxeyqUWLK0bWf6bB4V5L2eonl6ORrp8xRkKxBnig6xH0MPP4L22
      cV+TeCm0Re0HKs1C5SnC9Eepb5/i
      -----END CERTIFICATE-----
      """;

  /** The key of {@link #RSA_CERT} in PKCS#1 form ({@code RSA PRIVATE KEY}). */
  static final String RSA_KEY = """
      -----BEGIN RSA PRIVATE KEY-----
      MIIEowIBAAKCAQEArzLG+Iap5GXhKoUHHXji5i+yOXOCE9VX6hqVvYKHl4Zfk+vA
      lzwCPRHlgJ8TnxI+Mtw0HcTXH2PigWuY9uKe8HKLsrwUHcx+xaG9m/87x95G9PNG
      bAi3Tv4t6L6R6HsfiXYNgeZAATIocDU/1g2DPEGqSI4HZwaZSye5DjyKYP9wgtTC
      0CHepDu0KVIOrteQ/TwCWULhdBHbGAeMyH5X7+jlnx/zT8/Zos6mA06o8au9V+Cj
      X6Opsruqgd+ZfKrYD8oMZE8YYvfSGwMASsoWE7d9pj8nl0oj4jJaH1B3qUV6l6Se
      6keEQ41ZiQpZ+k8Gl5R7n20eXFYGBHq2al7I2QIDAQABAoIBAAcQapJpx57kdrxC
      qeNH1QpIAQ0s+aE4GHfhg4klIrd63Q63UkgmzMZOmuzhPSbMUwK0+0r5/VyQJ/lk
      78GAqLz0OWrHB56d+LyaRW1tUKlB7qWAy6WeglmmiQ5Z5MM1d7OQtYG32XvS3GuN
      0hmc6N48nZOYWncOfo7Xtq/6w++eO+WOycD1vlAPSJ0JnYUbgVa6hAzndVg3t4Op
      7OxJYhgdl+1h3XEV0BQHouvE+oePK2//xngAM5auyl7R+yhAzD+FdCX4mC6MpzUB
      2nvsZvKhGSeU3PtiiMqTd+p8cDzFG8eUczC+4l+uPFoRIC6YcCjiFIER34gUMg0l
      LElBIFsCgYEA7okkXGcknwSpVqVb40h74JSfgzmVDMh5iSUMh29Vls9fd20FRQDG
      qNb26Df04XzXNgNItkEJVwwlqeVWxHgcYljW0qEe3AMbsVSVNYs4+Y6EZ2Fl9P3l
      LA2WUZt89iYhlJYwkVyyMtc5XN9xxcnoi0Nn/Zug3wU9k7l0h/u9COsCgYEAvAaB
      6rir8Qaj+vWgL01DqyeSZO0PN6maYWmpcPWJ+6Q5Z7UODiyem+j7chfk3e2qiEhq
      J48DYNrENUD/zOfijL2deOK/QuZXq8eJf/rqZZyXVALfcKyGtoYpYQRyHzWatuec
      9StXf5RHlVx7u8pstKZBL8V4AJFk3tw487sshEsCgYEAyR2oIqB0J/7uJ7fT+ZWr
      nHay5xktqlF85zzti2M7bqP5gd/RiZRV6xUTqEdFmLiBW3D5ZXEARvxe5RgQSCZd
      CC6PMZfXRPj56FHAXBy+NOsMh31/UUigaLwr+TJ38bHErlrTKDxXorYED2H1syXB
      g2mZzCHjSSZJ/LtonR6LC3ECgYBpD03KZHOWknpPwK1HoOl9mfffsuH83SSo54xI
      1LnLxMBapTz8SIw7W5wb7SPxqVnPGn9OKUfe934Ir4/+41agA1cY88Gg1OoJzs2S
      mBYevreDtrM41v3SwPYgAobtz1rqdlIqX5RdcfHpkCqHDJ1e90KXOcRKtPLi37Rm
      46AFLwKBgGxcGv/Dhu7J9hYB3XuKmHORxLkWh0qC6nZr/julh8u+ZOOjfKk2v8mq
      jymGj1svugYXgL6v2D+FiE/oqXFGFyICNqNjQlmOb8josrJrHF9unZ9wCYAuyK6v
      fkgYxVehdvVwmTpunJlmPG0Spu6tFCkM8HfQcnB5EmRaL0b4MZUD
      -----END RSA PRIVATE KEY-----
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

  @Test
  void acceptsPkcs1RsaAndSec1EcKeysBesideEachOther() {
    Ssl ssl = ssl("{" + pair(CERT, SEC1_KEY) + ", \"sni\": \"test.com\", \"certs\": [" + quote(RSA_CERT) + "], \"keys\": ["
        + quote(RSA_KEY) + "]}");

    assertThat(ssl.keys()).containsExactly(RSA_KEY);
  }

  @Test
  void rejectsAKeyThatDoesNotMatchItsCertificateNamingTheCertificate() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    String otherEcKey = pem("PRIVATE KEY", ec.generateKeyPair().getPrivate().getEncoded());

    InvalidConfigException sameType = rejected("{" + pair(CERT, otherEcKey) + ", \"sni\": \"test.com\"}");
    InvalidConfigException otherType = rejected("{" + pair(CERT, RSA_KEY) + ", \"sni\": \"test.com\"}");
    InvalidConfigException extraPair = rejected("{" + pair(CERT, KEY) + ", \"sni\": \"test.com\", \"certs\": ["
        + quote(RSA_CERT) + "], \"keys\": [" + quote(KEY) + "]}");

    assertThat(sameType.field()).isEqualTo("/key");
    assertThat(sameType.reason()).startsWith("the private key does not match the certificate in cert (subject CN=test.com, serial ");
    assertThat(otherType.field()).isEqualTo("/key");
    assertThat(otherType.reason()).contains("does not match");
    assertThat(extraPair.field()).isEqualTo("/keys/0");
    assertThat(extraPair.reason()).contains("certificate in certs/0 (subject CN=rsa.test.com");
  }

  @Test
  void rejectsAnExpiredCertificateWithItsExpiry() {
    Ssl ssl = ssl("{" + pair(CERT, KEY) + ", \"sni\": \"test.com\"}"); // valid until 2126

    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class,
        () -> StdCheckers.ssl(ssl, Instant.parse("2127-01-01T00:00:00Z")));

    assertThat(e.field()).isEqualTo("/cert");
    assertThat(e.reason()).isEqualTo("the certificate (subject CN=test.com, serial 34bb76e503d72893350eb7589dd0edbacbe54ac2) "
        + "expired at 2126-11-02T05:41:47Z");
  }

  @Test
  void rejectsACertificateOrKeyWhoseDerDoesNotParse() {
    String garbage = Base64.getMimeEncoder().encodeToString("not a certificate, only base64 of text".repeat(3).getBytes());
    InvalidConfigException cert = rejected("{" + pair(pem("CERTIFICATE", garbage), KEY) + ", \"sni\": \"test.com\"}");
    InvalidConfigException key = rejected("{" + pair(CERT, pem("PRIVATE KEY", garbage)) + ", \"sni\": \"test.com\"}");

    assertThat(cert.field()).isEqualTo("/cert");
    assertThat(cert.reason()).startsWith("the certificate does not parse as X.509");
    assertThat(key.field()).isEqualTo("/key");
    assertThat(key.reason()).startsWith("the private key does not parse");
  }

  @Test
  void rejectsAPasswordProtectedKey() {
    String encrypted = KEY.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
    InvalidConfigException e = rejected("{" + pair(CERT, encrypted) + ", \"sni\": \"test.com\"}");

    assertThat(e.field()).isEqualTo("/key");
    assertThat(e.reason()).startsWith("password-protected private keys are not supported");
  }

  @Test
  void checksOnlyTheShapeOfAnAesGcmEnvelope() {
    String sealed = "$aesgcm$k1$" + Base64.getEncoder().encodeToString(new byte[64]);
    Ssl ssl = ssl("{" + pair(CERT, sealed) + ", \"sni\": \"test.com\"}");
    InvalidConfigException shortOne = rejected("{" + pair(CERT, "$aesgcm$k1$" + Base64.getEncoder().encodeToString(new byte[28])
        + "x".repeat(40)) + ", \"sni\": \"test.com\"}");
    InvalidConfigException badId = rejected("{" + pair(CERT, "$aesgcm$k/1$" + Base64.getEncoder().encodeToString(new byte[64]))
        + ", \"sni\": \"test.com\"}");

    assertThat(ssl.key()).isEqualTo(sealed);
    assertThat(shortOne.field()).isEqualTo("/key");
    assertThat(shortOne.reason()).startsWith("malformed encrypted key: expected $aesgcm$<key id>$");
    assertThat(badId.reason()).startsWith("malformed encrypted key");
  }

  private static String pem(String label, byte[] der) {
    return pem(label, Base64.getMimeEncoder().encodeToString(der));
  }

  private static String pem(String label, String base64) {
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }
}
