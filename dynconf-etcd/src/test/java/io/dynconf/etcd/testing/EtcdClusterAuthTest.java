package io.dynconf.etcd.testing;

import static io.dynconf.etcd.testing.Jetcd.bytes;
import static io.dynconf.etcd.testing.Jetcd.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.kv.GetResponse;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A cluster with etcd's authentication on and short-lived simple tokens. */
class EtcdClusterAuthTest {
  private static final Duration TOKEN_TTL = Duration.ofSeconds(2);

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      EtcdClusterExtension.of(b -> b.members(1).auth("root", "rootpw").authTokenTtl(TOKEN_TTL)).clearBetweenTests();

  private static ClientBuilder builder(EtcdCluster etcd) {
    return Client.builder()
        .endpoints(etcd.endpoints().toArray(URI[]::new))
        .connectTimeout(Duration.ofSeconds(2))
        .retryMaxDuration(Duration.ofSeconds(20));
  }

  private static Client client(EtcdCluster etcd, String user, String password) {
    return builder(etcd).user(bytes(user)).password(bytes(password)).build();
  }

  private static String get(Client client, String key) throws Exception {
    GetResponse r = client.getKVClient().get(bytes(key)).get(10, TimeUnit.SECONDS);
    return r.getKvs().isEmpty() ? null : string(r.getKvs().get(0).getValue());
  }

  @Test
  void aValidPasswordWorksAndTheClusterCallsStillWork() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    try (Client client = client(etcd, "root", "rootpw")) {
      long revision = client.getKVClient().put(bytes("k"), bytes("v")).get(10, TimeUnit.SECONDS).getHeader().getRevision();

      assertThat(get(client, "k")).isEqualTo("v");
      // the cluster's own gateway calls authenticate as root
      assertThat(etcd.revision()).isEqualTo(revision);
      assertThat(etcd.compact()).isEqualTo(revision);
      assertThat(etcd.deleteAll()).isEqualTo(1);
    }
  }

  @Test
  void aWrongPasswordIsAClearError() {
    try (Client client = client(ETCD.cluster(), "root", "wrong")) {
      // jetcd fails the call with a bare UNAUTHENTICATED; etcd's own words are its root cause
      assertThatThrownBy(() -> client.getKVClient().get(bytes("k")).get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("UNAUTHENTICATED")
          .hasRootCauseMessage("INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password");
    }
  }

  @Test
  void noCredentialsIsAClearError() {
    try (Client client = builder(ETCD.cluster()).build()) {
      assertThatThrownBy(() -> client.getKVClient().get(bytes("k")).get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("etcdserver: user name is empty");
    }
  }

  @Test
  void aClientWhoseTokenExpiredAuthenticatesAgain() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    EtcdMember member = etcd.member(0);
    // A user of its own, so that the only tokens of this user in the log are the client's.
    etcd.addUser("renewal", "renewalpw", "root");
    try (Client client = client(etcd, "renewal", "renewalpw")) {
      client.getKVClient().put(bytes("k"), bytes("v")).get(10, TimeUnit.SECONDS);

      // Idle for longer than the TTL: etcd drops the token and logs it.
      String expired =
          await().atMost(TOKEN_TTL.plusSeconds(10)).pollInterval(Duration.ofMillis(100))
              .until(() -> deletedToken(member, "renewal"), Optional::isPresent)
              .orElseThrow();

      assertThat(get(client, "k")).isEqualTo("v");
      // The client did send the expired token, was refused, and authenticated again.
      assertThat(member.logTail(Integer.MAX_VALUE)).contains("\"msg\":\"invalid auth token\",\"token\":\"" + expired + "\"");
    }
  }

  /** The token etcd deleted for {@code user} after its TTL, from the member's log. */
  private static Optional<String> deletedToken(EtcdMember member, String user) {
    Matcher m =
        Pattern.compile("\"msg\":\"deleted a simple token\",\"user-name\":\"" + user + "\",\"token\":\"([^\"]+)\"")
            .matcher(member.logTail(Integer.MAX_VALUE));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  @Test
  void restartHealAndWipeKeepAuthWorking() throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    etcd.addUser("survivor", "survivorpw", "root");

    etcd.member(0).kill();
    etcd.heal();
    try (Client client = client(etcd, "survivor", "survivorpw")) {
      client.getKVClient().put(bytes("k"), bytes("v")).get(10, TimeUnit.SECONDS);
      assertThat(etcd.revision()).isGreaterThan(1);
    }

    etcd.wipe(); // an empty cluster: root and the added users are created again, auth enabled again

    assertThat(etcd.revision()).isEqualTo(1);
    try (Client client = client(etcd, "survivor", "survivorpw")) {
      assertThat(get(client, "k")).isNull();
    }
    try (Client client = builder(etcd).build()) {
      assertThatThrownBy(() -> client.getKVClient().get(bytes("k")).get(5, TimeUnit.SECONDS))
          .hasMessageContaining("etcdserver: user name is empty");
    }
  }

  @Test
  void authOverTlsWithAClientCertificate() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.builder().tls(true).clientCertAuth(true).auth("root", "s3cret").start()) {
      EtcdCluster.TlsMaterial tls = etcd.tlsMaterial();
      ClientBuilder tlsBuilder =
          builder(etcd)
              .sslContext(
                  b -> b.trustManager(tls.caCert().toFile()).keyManager(tls.clientCert().toFile(), tls.clientKey().toFile()));
      try (Client client = tlsBuilder.copy().user(bytes("root")).password(bytes("s3cret")).build()) {
        long revision = client.getKVClient().put(bytes("k"), bytes("v")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        assertThat(get(client, "k")).isEqualTo("v");
        assertThat(etcd.revision()).isEqualTo(revision);
      }
      // Without a token etcd takes the client certificate's common name for the user; the test
      // certificate has none, so the call is refused rather than run as some user.
      try (Client client = tlsBuilder.copy().build()) {
        assertThatThrownBy(() -> client.getKVClient().get(bytes("k")).get(5, TimeUnit.SECONDS))
            .hasMessageContaining("etcdserver: permission denied");
      }
    }
  }

  @Test
  void authNeedsTheRootUser() {
    assertThatThrownBy(() -> EtcdCluster.builder().auth("admin", "pw"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("root");
    assertThatThrownBy(() -> EtcdCluster.builder().authTokenTtl(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
