package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.SourceException;
import io.dynconf.etcd.testing.EtcdCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd source against etcd with authentication, and with TLS and client certificates. */
class EtcdSourceSecurityTest {
  private static final String UPSTREAM = "{\"nodes\":{\"10.0.0.1:80\":1}}";

  @Test
  void authenticatesRejectsAWrongPasswordClearlyAndRenewsAnExpiredToken() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).auth("root", "rootpw").authTokenTtl(Duration.ofSeconds(2)).start()) {
      try (EtcdSource wrong = EtcdSource.builder().endpoints(etcd.endpoints()).auth("root", "nope")
          .requestTimeout(Duration.ofSeconds(3)).build()) {
        assertThatThrownBy(wrong::list).isInstanceOf(SourceException.class)
            .hasMessageContaining("authentication failed");
      }

      try (EtcdSource source = EtcdSource.builder().endpoints(etcd.endpoints()).auth("root", "rootpw")
              .requestTimeout(Duration.ofSeconds(3)).progressInterval(Duration.ofSeconds(10)).build();
          ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
        assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
        source.put("/apisix/upstreams/u1", UPSTREAM);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("u1") != null);

        // Idle past the token's TTL: etcd deletes the token (its log says so); the next call must still work.
        Pattern deleted = Pattern.compile("deleted a simple token\",\"user-name\":\"root\"");
        await().atMost(Duration.ofSeconds(15)).until(() -> deleted.matcher(etcd.member(0).logTail(Integer.MAX_VALUE)).find());
        source.put("/apisix/upstreams/u2", UPSTREAM);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("u2") != null);
      }
    }
  }

  @Test
  void talksTlsWithAClientCertificateAndFailsWithinItsDeadlineWithoutOne() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).clientCertAuth(true).start()) {
      EtcdCluster.TlsMaterial pki = etcd.tlsMaterial();
      assertThat(etcd.endpoints()).allSatisfy(u -> assertThat(u.getScheme()).isEqualTo("https"));

      try (EtcdSource source = EtcdSource.builder().endpoints(etcd.endpoints()).tls(pki.caCert(), pki.clientCert(), pki.clientKey())
              .requestTimeout(Duration.ofSeconds(3)).build();
          ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
        assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
        source.put("/apisix/upstreams/u1", UPSTREAM);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("u1") != null);
      }

      try (EtcdSource anonymous = EtcdSource.builder().endpoints(etcd.endpoints()).tls(pki.caCert(), null, null)
          .requestTimeout(Duration.ofSeconds(2)).build()) {
        long start = System.nanoTime();
        // etcd refuses the handshake: the caller gets that reason (or, at worst, the deadline), never a hang
        assertThatThrownBy(anonymous::list).isInstanceOf(SourceException.class)
            .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("bad_certificate", "timed out"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(5)).until(() -> etcd.member(0).logTail(400).contains("didn't provide a certificate"));
      }
    }
  }

  /**
   * The CA file is half written (a rotation in progress) exactly when the watch needs a fresh
   * client: building it fails, is retried with backoff and shown in the status; once the file is
   * whole again the watch reconnects and later changes are applied.
   */
  @Test
  void aCaFileUnreadableForAWhileDelaysTheNewClientButNeverStopsTheWatch(@TempDir Path dir) throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().members(1).tls(true).start()) {
      Path ca = dir.resolve("ca.pem");
      Files.copy(etcd.tlsMaterial().caCert(), ca);
      try (EtcdSource source = EtcdSource.builder().endpoints(etcd.endpoints()).tls(ca, null, null)
              .requestTimeout(Duration.ofSeconds(2)).progressInterval(Duration.ofMillis(300))
              .backoff(Duration.ofMillis(20), Duration.ofMillis(300)).build();
          ConfigRegistry registry = ConfigRegistry.builder(source).backoff(Duration.ofMillis(20), Duration.ofMillis(300)).build().start()) {
        assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
        source.put("/apisix/upstreams/u1", UPSTREAM);
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("u1") != null);

        Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nMIIB half written\n");
        etcd.member(0).proxy().blackhole(); // the watch goes silent: it needs a fresh client
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
          EtcdStatus s = source.status();
          assertThat(s.state()).isEqualTo(EtcdStatus.State.RECONNECTING);
          assertThat(s.lastError()).contains("cannot build a new etcd client").contains(ca.toString());
        });
        Files.copy(etcd.tlsMaterial().caCert(), ca, StandardCopyOption.REPLACE_EXISTING);
        etcd.member(0).proxy().pass();

        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
          source.put("/apisix/upstreams/u2", UPSTREAM);
          return true;
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("u2") != null);
        await().atMost(Duration.ofSeconds(15)).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
      }
    }
  }
}
