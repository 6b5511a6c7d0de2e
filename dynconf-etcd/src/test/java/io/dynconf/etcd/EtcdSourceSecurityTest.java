package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.SourceException;
import io.dynconf.etcd.testing.EtcdCluster;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

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
}
