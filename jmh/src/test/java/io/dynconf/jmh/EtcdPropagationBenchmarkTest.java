package io.dynconf.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.ConfigItem;
import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's fixture works on real etcd, small: each operation waits for its own put, and what
 * the registry's listener saw is the route just written, served.
 */
class EtcdPropagationBenchmarkTest {
  @ParameterizedTest(name = "members={0}")
  @ValueSource(ints = {1, 3})
  void eachOperationWaitsForItsOwnPut(int members) throws Exception {
    EtcdPropagationBenchmark benchmark = new EtcdPropagationBenchmark();
    benchmark.members = members;
    benchmark.routes = 3;
    benchmark.setUp();
    try {
      assertThat(benchmark.registry().store(StandardTypes.ROUTES).size()).isEqualTo(3);

      long raw1 = benchmark.rawJetcdWatch(); // route 0, value "a"
      long raw2 = benchmark.rawJetcdWatch(); // route 1
      long reg1 = benchmark.registryListener(); // route 2
      long reg2 = benchmark.registryListener(); // route 0 again, value "b"

      assertThat(raw1).isGreaterThan(1);
      assertThat(raw2).isEqualTo(raw1 + 1);
      assertThat(reg1).isEqualTo(raw2 + 1);
      assertThat(reg2).isEqualTo(reg1 + 1);
      ConfigItem<Route> route2 = benchmark.registry().snapshot().store(StandardTypes.ROUTES).item("2");
      assertThat(route2).isNotNull();
      assertThat(route2.modRevision()).isEqualTo(reg1);
      assertThat(route2.value().name()).isEqualTo("route-2-a");
      ConfigItem<Route> route0 = benchmark.registry().snapshot().store(StandardTypes.ROUTES).item("0");
      assertThat(route0.modRevision()).isEqualTo(reg2);
      assertThat(route0.value().name()).isEqualTo("route-0-b");
      assertThat(route0.value().upstreamId()).isEqualTo("u1");
      assertThat(benchmark.registry().snapshot().pending()).isEmpty();
      assertThat(benchmark.registry().snapshot().rejections()).isEmpty();
    } finally {
      benchmark.tearDown();
    }
  }
}
