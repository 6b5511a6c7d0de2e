package io.dynconf.examples.gateway;

import io.dynconf.core.tls.Certificates;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS flags: the default certificate from files, and the mistakes refused at parse time. */
class GatewayTlsConfigTest {
  @TempDir Path dir;

  @Test
  void aDefaultCertificateFromFilesAnswersHandshakesWithoutAName() throws Exception {
    Certificates.Issued own = Certificates.builder("default.example.net").dnsNames("default.example.net").issue();
    Path cert = Files.writeString(dir.resolve("default.pem"), own.certificatePem());
    Path key = Files.writeString(dir.resolve("default-key.pem"), own.keyPem());
    GatewayConfig config = GatewayConfig.parse(new String[] {"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--echo-listen", "off", "--data-dir", dir.resolve("data").toString(), "--admin-key", GatewayAdminTest.KEY,
        "--tls-listen", "127.0.0.1:0", "--tls-default-cert", cert.toString(), "--tls-default-key", key.toString()});

    try (Gateway gateway = Gateway.start(config)) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("own", own.certificate());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext client = SSLContext.getInstance("TLS");
      client.init(null, tmf.getTrustManagers(), null);
      try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", gateway.tlsAddress().getPort())) {
        SSLParameters p = socket.getSSLParameters();
        p.setServerNames(List.of());
        socket.setSSLParameters(p);
        socket.startHandshake();
        assertThat(((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber())
            .isEqualTo(own.certificate().getSerialNumber());
      }
    }
  }

  @Test
  void refusesHalfADefaultCertificateAndBadEncryptionKeys() {
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--tls-default-cert", "c.pem"}))
        .hasMessage("--tls-default-cert and --tls-default-key go together (got only --tls-default-cert)");
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--tls-key-encryption-key", "k1:AAAA"}))
        .hasMessageContaining("--tls-key-encryption-key k1: the key is 3 bytes");
    assertThatThrownBy(() -> GatewayConfig.parse(new String[] {"--tls-listen", "127.0.0.1"}))
        .hasMessageStartingWith("--tls-listen \"127.0.0.1\"");
    assertThat(GatewayConfig.parse(new String[] {"--tls-key-encryption-key", "a:" + "A".repeat(22) + "==,b:" + "B".repeat(43) + "="})
        .tlsKeyEncryptionKeys()).hasSize(2);
  }
}
