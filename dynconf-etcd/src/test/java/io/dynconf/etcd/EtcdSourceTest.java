package io.dynconf.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.spi.Listing;
import io.dynconf.core.spi.SourceException;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** EtcdSource beyond the shared contract: options, large listings, leases, deadlines, status. */
class EtcdSourceTest {
  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();

  private EtcdSource source() {
    return EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).requestTimeout(Duration.ofSeconds(3))
        .progressInterval(Duration.ofMillis(500)).backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
  }

  @Test
  void rejectsBadOptionsWithTheValueAndTheReason() {
    assertThatThrownBy(() -> EtcdSource.builder().build()).hasMessageContaining("endpoints");
    assertThatThrownBy(() -> EtcdSource.builder().endpoints("127.0.0.1:2379")).hasMessageContaining("\"127.0.0.1:2379\"");
    assertThatThrownBy(() -> EtcdSource.builder().endpoints("https://127.0.0.1:2379").build()).hasMessageContaining("tls(");
    assertThatThrownBy(() -> EtcdSource.builder().pageSize(0)).hasMessageContaining("pageSize");
    assertThatThrownBy(() -> EtcdSource.builder().requestTimeout(Duration.ZERO)).hasMessageContaining("requestTimeout");
    assertThatThrownBy(() -> EtcdSource.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).hasMessageContaining("below min");
    assertThatThrownBy(() -> EtcdSource.builder().tls(Path.of("/nonexistent/ca.pem"), null, null)).hasMessageContaining("/nonexistent/ca.pem");
    assertThatThrownBy(() -> EtcdSource.builder().prefix("apisix")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void listsValuesLargerThanAGrpcMessageCapPageByPageAtOneRevision() throws Exception {
    byte[] value = new byte[10 * 1024];
    Arrays.fill(value, (byte) 'x');
    try (EtcdSource source = EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).pageSize(300).build()) {
      var kv = source.client().getKVClient(); // pages of 300 x 10 KiB: 3 MB each, 4 pages
      var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<?>>();
      for (int i = 0; i < 1000; i++) { // 10 MB in all: far over gRPC's default 4 MB message cap
        futures.add(kv.put(bytes("/apisix/protos/p" + i), ByteSequence.from(value)));
      }
      for (var f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
      long revision = ETCD.cluster().revision();

      Listing listing = source.list();

      assertThat(listing.kvs()).hasSize(1000);
      assertThat(listing.revision()).isEqualTo(revision);
      assertThat(listing.kvs()).allSatisfy(k -> assertThat(k.valueUnsafe()).hasSize(10 * 1024));
    }
  }

  @Test
  void aCallToAnUnreachableEtcdFailsWithinItsDeadline() {
    try (EtcdSource source = source()) {
      ETCD.cluster().member(0).proxy().blackhole();
      long start = System.nanoTime();
      assertThatThrownBy(source::list).isInstanceOf(SourceException.class).hasMessageContaining("timed out");
      assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);
    }
  }

  @Test
  void aLeasedKeyLivesWhileKeptAliveAndItsExpiryArrivesAsADelete() throws Exception {
    try (EtcdSource source = source();
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
      String key = "/apisix/upstreams/self";
      AutoCloseable registration = source.putWithLease(key, "{\"nodes\":{\"10.0.0.9:80\":1}}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("self") != null);
      // kept alive well past its TTL
      await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(() -> source.get(key) != null);

      registration.close(); // revoked: the key goes at once
      await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("self") == null);

      // A lease nobody keeps alive (its owner died) expires, and the watch sees a delete.
      long lease = source.client().getLeaseClient().grant(1).get(5, TimeUnit.SECONDS).getID();
      source.client().getKVClient().put(bytes(key), bytes("{\"nodes\":{\"10.0.0.9:80\":1}}"), PutOption.builder().withLeaseId(lease).build())
          .get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("self") != null);
      await().atMost(Duration.ofSeconds(10)).until(() -> registry.store(StandardTypes.UPSTREAMS).get("self") == null);
    }
  }

  @Test
  void statusReportsTheConnectionRevisionsAndReconnects() throws Exception {
    try (EtcdSource source = source();
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      assertThat(registry.awaitReady(Duration.ofSeconds(10))).isTrue();
      long rev = source.put("/apisix/upstreams/u1", "{\"nodes\":{\"10.0.0.9:80\":1}}");
      await().atMost(Duration.ofSeconds(10)).until(() -> source.status().appliedRevision() >= rev);
      EtcdStatus up = source.status();
      assertThat(up.state()).isEqualTo(EtcdStatus.State.CONNECTED);
      assertThat(up.lag()).isZero();

      ETCD.cluster().member(0).proxy().drop();
      await().atMost(Duration.ofSeconds(10)).until(() -> source.status().state() == EtcdStatus.State.RECONNECTING);
      assertThat(source.status().lastError()).isNotBlank();
      ETCD.cluster().member(0).proxy().pass();
      await().atMost(Duration.ofSeconds(10)).until(() -> source.status().state() == EtcdStatus.State.CONNECTED);
      assertThat(source.status().reconnects()).isPositive();
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
