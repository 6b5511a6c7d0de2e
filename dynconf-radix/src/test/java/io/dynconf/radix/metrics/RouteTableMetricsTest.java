package io.dynconf.radix.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dynconf.core.ConfigRegistry;
import io.dynconf.core.source.InMemorySource;
import io.dynconf.radix.RouteTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 19, item 5: the router's meters follow the registry's routes, including those left out. */
class RouteTableMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void routesLeftOutAndRevisionAreVisible() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (InMemorySource source = new InMemorySource("/apisix");
        ConfigRegistry registry = ConfigRegistry.builder(source).build().start()) {
      assertThat(registry.awaitReady(WAIT)).isTrue();
      try (RouteTable table = RouteTable.attach(registry)) {
        new RouteTableMetrics(table).bindTo(meters);
        assertThat(meters.get("dynconf.router.routes").gauge().value()).isZero();

        source.put("/apisix/upstreams/u", "{\"type\":\"roundrobin\",\"nodes\":{\"10.0.1.5:8080\":1}}");
        source.put("/apisix/routes/a", "{\"uri\":\"/a\",\"upstream_id\":\"u\"}");
        long rev = source.put("/apisix/routes/lua",
            "{\"uri\":\"/b\",\"upstream_id\":\"u\",\"filter_func\":\"function(vars) return true end\"}");
        await().atMost(WAIT).until(() -> meters.get("dynconf.router.revision").gauge().value() >= rev);
        assertThat(meters.get("dynconf.router.routes").gauge().value()).isEqualTo(1);
        assertThat(meters.get("dynconf.router.left.out").gauge().value()).as("filter_func without a factory").isEqualTo(1);
        assertThat(meters.get("dynconf.router.snapshot.version").gauge().value()).isPositive();
      }
    }
  }
}
