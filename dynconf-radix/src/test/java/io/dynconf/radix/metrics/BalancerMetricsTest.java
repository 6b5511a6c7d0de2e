package io.dynconf.radix.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.apisix.StandardTypes;
import io.dynconf.core.apisix.Upstream;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.balance.ProbeResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** Issue 19, item 5: node health and the balancers' counts as Micrometer meters. */
class BalancerMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void nodeHealthSeriesFollowProbesAndDeletes() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start();
        // 10.0.0.2 never answers its probes; 10.0.0.1 does
        Balancers balancers = Balancers.builder().activeChecks(target -> CompletableFuture.completedFuture(
            target.node().host().equals("10.0.0.1") ? ProbeResult.status(200) : ProbeResult.failed()), scheduler).build()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      long rev = source.put("/apisix/upstreams/u", "{\"nodes\":{\"10.0.0.1:80\":1,\"10.0.0.2:80\":1},\"checks\":{\"active\":{"
          + "\"type\":\"tcp\",\"healthy\":{\"interval\":1,\"successes\":1},\"unhealthy\":{\"interval\":1,\"tcp_failures\":1}}}}");
      await().atMost(WAIT).until(() -> registry.snapshot().revision() >= rev);
      Upstream u = registry.store(StandardTypes.UPSTREAMS).get("u");
      balancers.picker("/upstreams/u", rev, u);
      BalancerMetrics metrics = new BalancerMetrics(balancers);
      metrics.bindTo(meters);

      await().atMost(WAIT).until(() -> meters.get("dynconf.balancer.nodes.unhealthy").gauge().value() == 1);
      assertThat(meters.get("dynconf.balancer.upstreams").gauge().value()).isEqualTo(1);
      assertThat(meters.get("dynconf.balancer.probing").gauge().value()).isEqualTo(1);
      metrics.refreshNodes();
      assertThat(meters.get("dynconf.upstream.node.healthy").tags("upstream", "/upstreams/u", "node", "10.0.0.1:80").gauge().value())
          .isEqualTo(1);
      assertThat(meters.get("dynconf.upstream.node.healthy").tags("upstream", "/upstreams/u", "node", "10.0.0.2:80").gauge().value())
          .isZero();

      balancers.remove("/upstreams/u");
      metrics.refreshNodes();
      assertThat(meters.find("dynconf.upstream.node.healthy").gauges()).as("a deleted upstream's series go").isEmpty();
      assertThat(meters.get("dynconf.balancer.upstreams").gauge().value()).isZero();
    } finally {
      scheduler.shutdownNow();
    }
  }
}
