package io.dynconf.etcd.testing;

import static io.dynconf.etcd.testing.Jetcd.bytes;
import static io.dynconf.etcd.testing.Jetcd.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A cluster that serves TLS with a CA made in the test, and requires a client certificate. */
class EtcdClusterTlsTest {
  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      EtcdClusterExtension.of(b -> b.members(1).tls(true).clientCertAuth(true)).clearBetweenTests();

  private static Client client(EtcdCluster etcd, boolean trustCa, boolean presentCertificate) throws SSLException {
    EtcdCluster.TlsMaterial tls = etcd.tlsMaterial();
    return Client.builder()
        .endpoints(etcd.endpoints().toArray(URI[]::new))
        .connectTimeout(Duration.ofSeconds(2))
        .retryMaxDuration(Duration.ofSeconds(20))
        .sslContext(
            b -> {
              if (trustCa) {
                b.trustManager(tls.caCert().toFile());
              }
              if (presentCertificate) {
                b.keyManager(tls.clientCert().toFile(), tls.clientKey().toFile());
              }
            })
        .build();
  }

  private static String get(Client client, String key) throws Exception {
    GetResponse r = client.getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS);
    return r.getKvs().isEmpty() ? null : string(r.getKvs().get(0).getValue());
  }

  @Test
  void jetcdWithTheClientCertificateReadsAndWritesThroughTheProxies() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    assertThat(etcd.endpoints()).allSatisfy(u -> assertThat(u.getScheme()).isEqualTo("https"));
    assertThat(etcd.directEndpoints()).allSatisfy(u -> assertThat(u.getScheme()).isEqualTo("https"));
    EtcdCluster.TlsMaterial tls = etcd.tlsMaterial();
    assertThat(Files.readString(tls.caCert())).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(Files.readString(tls.clientCert())).startsWith("-----BEGIN CERTIFICATE-----");
    assertThat(Files.readString(tls.clientKey())).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(tls.caCert()).startsWith(etcd.directory());

    try (Client client = client(etcd, true, true)) {
      long revision =
          client.getKVClient().put(bytes("/apisix/routes/1"), bytes("{\"uri\":\"/a\"}")).get(10, TimeUnit.SECONDS)
              .getHeader().getRevision();

      assertThat(get(client, "/apisix/routes/1")).isEqualTo("{\"uri\":\"/a\"}");
      assertThat(etcd.member(0).proxy().openConnections()).isPositive();
      // The cluster's own calls go over https with the client certificate too.
      assertThat(etcd.revision()).isEqualTo(revision);
      assertThat(etcd.compact()).isEqualTo(revision);
      assertThat(etcd.leader()).isSameAs(etcd.member(0));
    }
  }

  @Test
  void aClientWithoutTheClientCertificateFailsWithinADeadline() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    try (Client client = client(etcd, true, false)) {
      assertThatThrownBy(() -> client.getKVClient().get(bytes("k")).get(5, TimeUnit.SECONDS))
          .isInstanceOfAny(TimeoutException.class, ExecutionException.class);
    }
    // and it failed for the right reason: etcd refused the handshake
    await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(etcd.member(0).logTail(200)).contains("tls: client didn't provide a certificate"));
  }

  @Test
  void aClientThatDoesNotTrustTheClusterCaFailsWithinADeadline() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    try (Client client = client(etcd, false, true)) { // the JDK's default trust store only
      assertThatThrownBy(() -> client.getKVClient().get(bytes("k")).get(5, TimeUnit.SECONDS))
          .isInstanceOfAny(TimeoutException.class, ExecutionException.class);
    }
    // the client gave up on the handshake: etcd saw it refuse the server certificate
    await().atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(etcd.member(0).logTail(200)).contains("remote error: tls: unknown certificate"));
  }

  @Test
  void restartAndWipeKeepServingTls() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    try (Client client = client(etcd, true, true)) {
      client.getKVClient().put(bytes("k"), bytes("kept")).get(10, TimeUnit.SECONDS);

      etcd.member(0).restart(); // waits for health over https
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> "kept".equals(get(client, "k")));

      etcd.wipe();
      assertThat(etcd.revision()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> get(client, "k") == null);
    }
  }

  @Test
  void withoutClientCertAuthAClientThatTrustsTheCaNeedsNoCertificate() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().members(3).tls(true).start();
        Client client = client(etcd, true, false)) {
      assertThat(etcd.endpoints()).hasSize(3).allSatisfy(u -> assertThat(u.getScheme()).isEqualTo("https"));
      client.getKVClient().put(bytes("k"), bytes("v")).get(10, TimeUnit.SECONDS);

      assertThat(get(client, "k")).isEqualTo("v");
      assertThat(etcd.leader()).isNotNull();
      assertThat(etcd.deleteAll()).isEqualTo(1);
    }
  }

  @Test
  void aPlainClusterHasNoTlsMaterial() {
    try (EtcdCluster etcd = EtcdCluster.single()) {
      assertThat(etcd.endpoints().get(0).getScheme()).isEqualTo("http");
      assertThatThrownBy(etcd::tlsMaterial).isInstanceOf(IllegalStateException.class).hasMessageContaining("tls(true)");
    }
  }
}
