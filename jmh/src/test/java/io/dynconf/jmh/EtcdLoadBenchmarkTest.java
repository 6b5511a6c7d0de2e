package io.dynconf.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.core.apisix.Route;
import io.dynconf.core.apisix.StandardTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/** The load benchmarks' fixtures work on real etcd, small: 200 routes in pages of 50. */
class EtcdLoadBenchmarkTest {
  private final EtcdLoadBenchmark benchmark = new EtcdLoadBenchmark();
  private final EtcdLoadBenchmark.Etcd etcd = new EtcdLoadBenchmark.Etcd();

  @BeforeEach
  void setUp() throws Exception {
    etcd.routes = 200;
    etcd.pageSize = 50;
    etcd.setUp();
  }

  @AfterEach
  void tearDown() {
    etcd.tearDown();
  }

  @Test
  void initialLoadServesEveryRoute() throws Exception {
    EtcdLoadBenchmark.Opened opened = new EtcdLoadBenchmark.Opened();
    try {
      assertThat(benchmark.initialLoad(etcd, opened)).isEqualTo(200);
      assertThat(opened.registry.snapshot().pending()).isEmpty();
      assertThat(opened.registry.snapshot().rejections()).isEmpty();
      Route r = opened.registry.store(StandardTypes.ROUTES).get("199");
      assertThat(r.name()).isEqualTo("route-199");
      assertThat(r.upstreamId()).isEqualTo("u1");
      assertThat(opened.registry.store(StandardTypes.UPSTREAMS).get("u1")).isNotNull();
    } finally {
      opened.close();
    }
    assertThat(opened.registry).isNull();
  }

  @Test
  void rawPagedReadsReadEveryKey() throws Exception {
    EtcdLoadBenchmark.Opened opened = new EtcdLoadBenchmark.Opened();
    Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    try {
      assertThat(benchmark.rawJetcdPagedRead(etcd, opened, bh)).isEqualTo(201); // the routes and the upstream
      opened.close();
      assertThat(benchmark.rawJetcdPagedReadSorted(etcd, opened, bh)).isEqualTo(201);
    } finally {
      opened.close();
      bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }
  }

  @Test
  void catchUpAfterCompactionRelistsAndAppliesEveryChange() throws Exception {
    EtcdLoadBenchmark.CutOff cutOff = new EtcdLoadBenchmark.CutOff();
    cutOff.changes = 50;
    cutOff.start(etcd);
    try {
      for (int round = 1; round <= 2; round++) {
        cutOff.cutOffWriteAndCompact(etcd);
        long target = cutOff.target;
        assertThat(cutOff.registry.status().appliedRevision()).isLessThan(target); // cut off: behind

        long applied = benchmark.catchUpAfterCompaction(cutOff);

        assertThat(applied).isGreaterThanOrEqualTo(target);
        assertThat(cutOff.registry.status().relists()).isGreaterThan(cutOff.relistsBefore); // the compaction forced a relist
        assertThat(cutOff.registry.store(StandardTypes.ROUTES).size()).isEqualTo(200);
        for (int j = 0; j < 50; j++) {
          int id = (round * 50 + j) % 200;
          assertThat(cutOff.registry.store(StandardTypes.ROUTES).get(Integer.toString(id)).name()).isEqualTo("route-" + id + "-c" + round);
        }
        assertThat(cutOff.registry.snapshot().pending()).isEmpty();
      }
    } finally {
      cutOff.stop();
    }
  }
}
