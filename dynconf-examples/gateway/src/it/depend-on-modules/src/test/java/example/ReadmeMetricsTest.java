package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.metrics.ConfigRegistryMetrics;
import io.dynconf.core.source.FileSource;
import io.dynconf.etcd.EtcdSource;
import io.dynconf.etcd.metrics.EtcdSourceMetrics;
import io.dynconf.radix.RouteTable;
import io.dynconf.radix.balance.Balancers;
import io.dynconf.radix.metrics.BalancerMetrics;
import io.dynconf.radix.metrics.RouteTableMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's Micrometer code, compiled and run in a user's project that adds micrometer-core itself. */
class ReadmeMetricsTest {
  @Test
  void bindsEveryBinder() throws Exception {
    MeterRegistry meterRegistry = new SimpleMeterRegistry();
    try (FileSource source = FileSource.builder(Path.of("conf/apisix.yaml")).build();
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start();
        EtcdSource etcd = EtcdSource.builder().endpoints("http://127.0.0.1:1").build(); // never started here
        Balancers balancers = Balancers.create()) {
      assertTrue(registry.awaitReady(Duration.ofSeconds(10)));
      RouteTable routes = RouteTable.attach(registry);
      // --- README example begins
      new ConfigRegistryMetrics(registry).bindTo(meterRegistry); // dynconf.config.health{status}, applied revision, rejected, ...
      new EtcdSourceMetrics(etcd).bindTo(meterRegistry);         // dynconf.etcd.connected, revision, lag.revisions, reconnects
      new RouteTableMetrics(routes).bindTo(meterRegistry);       // dynconf.router.routes, left.out, revision
      new BalancerMetrics(balancers).bindTo(meterRegistry);      // dynconf.balancer.nodes.unhealthy, upstreams.all.unhealthy, ...
      // --- README example ends
      assertEquals(1.0, meterRegistry.get("dynconf.config.health").tag("status", "UP").gauge().value());
      assertEquals(1.0, meterRegistry.get("dynconf.router.routes").gauge().value());
      assertEquals(0.0, meterRegistry.get("dynconf.etcd.connected").gauge().value());
      routes.close();
    }
  }
}
