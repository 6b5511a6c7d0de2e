package io.dynconf.etcd.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.metrics.ConfigRegistryMetrics;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.testing.EtcdClusterExtension;
import io.dynconf.etcd.testing.EtcdMember;
import io.dynconf.etcd.testing.EtcdWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 19, item 5: the etcd source's meters (and the registry's health meter) over a real etcd that stops. */
class EtcdSourceMetricsTest {
  private static final Duration PROGRESS = Duration.ofMillis(500);
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String UPSTREAM = "{\"nodes\":{\"127.0.0.1:80\":1},\"type\":\"roundrobin\"}";

  @RegisterExtension static final EtcdClusterExtension ETCD = EtcdClusterExtension.members(1).clearBetweenTests();

  @Test
  void connectedRevisionLagAndReconnectsFollowTheWatch() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (EtcdWriter writer = new EtcdWriter(() -> ETCD.cluster().directEndpoints(), WAIT);
        EtcdSource source = EtcdSource.builder().endpoints(ETCD.cluster().endpoints()).progressInterval(PROGRESS)
            .requestTimeout(Duration.ofSeconds(2)).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build();
        ConfigRegistry registry = ConfigRegistry.builder(source).backoff(Duration.ofMillis(50), Duration.ofMillis(500)).build()) {
      new EtcdSourceMetrics(source).bindTo(meters);
      new ConfigRegistryMetrics(registry).bindTo(meters);
      registry.start();
      assertThat(registry.awaitReady(WAIT)).isTrue();
      await().atMost(WAIT).until(() -> gauge(meters, "dynconf.etcd.connected") == 1);

      writer.put("/apisix/upstreams/u1", UPSTREAM);
      await().atMost(WAIT).until(() -> registry.snapshot().store("upstreams").size() == 1);
      assertThat(gauge(meters, "dynconf.etcd.applied.revision")).isPositive();
      await().atMost(WAIT).until(() -> gauge(meters, "dynconf.etcd.lag.revisions") == 0);
      double reconnects = meters.get("dynconf.etcd.reconnects").functionCounter().count();

      EtcdMember member = ETCD.cluster().member(0);
      member.stop();
      try {
        await().atMost(WAIT).until(() -> gauge(meters, "dynconf.etcd.connected") == 0);
        await().atMost(WAIT).until(() -> meters.get("dynconf.config.health").tag("status", "STALE").gauge().value() == 1);
      } finally {
        member.start();
      }
      await().atMost(WAIT).until(() -> gauge(meters, "dynconf.etcd.connected") == 1
          && meters.get("dynconf.config.health").tag("status", "UP").gauge().value() == 1);
      assertThat(meters.get("dynconf.etcd.reconnects").functionCounter().count()).isGreaterThan(reconnects);
    }
  }

  private static double gauge(SimpleMeterRegistry meters, String name) {
    return meters.get(name).gauge().value();
  }
}
