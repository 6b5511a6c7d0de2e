package io.dynconf.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import io.dynconf.radix.Router;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/** The scale benchmark's generated set and operations work, on a small set. */
class RouterScaleBenchmarkTest {

  private static final Blackhole BH =
      new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");

  @Test
  void generatedSetHasTheAdvertisedMixAndIsDeterministic() {
    ScaleRoutes set = ScaleRoutes.generate(10_000);
    Map<ScaleRoutes.Kind, Integer> counts = new EnumMap<>(ScaleRoutes.Kind.class);
    for (int k = 0; k < 10_000; k++) {
      counts.merge(set.kind(k), 1, Integer::sum);
    }
    assertThat(counts.get(ScaleRoutes.Kind.STATIC)).isBetween(4_700, 5_300);
    assertThat(counts.get(ScaleRoutes.Kind.PARAM)).isBetween(2_700, 3_300);
    assertThat(counts.get(ScaleRoutes.Kind.PREFIX)).isBetween(800, 1_200);
    assertThat(counts.get(ScaleRoutes.Kind.HOST)).isBetween(800, 1_200);
    assertThat(ScaleRoutes.generate(10_000).routes().get(1234).toString())
        .isEqualTo(set.routes().get(1234).toString());
    assertThat(set.staticHits()).hasSize(ScaleRoutes.REQUESTS);
    assertThat(set.paramHits()).hasSize(ScaleRoutes.REQUESTS);
    assertThat(set.hostHits()).hasSize(ScaleRoutes.REQUESTS);
  }

  @Test
  void everyOperationRuns() {
    RouterScaleBenchmark b = new RouterScaleBenchmark();
    b.routes = 1_000;
    b.setUp(); // checks every prepared request against its expected route
    b.staticHit(BH);
    b.paramHit(BH);
    b.hostHit(BH);
    b.miss(BH);
    Router<Integer> built = b.build();
    assertThat(built.size()).isEqualTo(1_000);
    long v = b.updateReplace();
    assertThat(b.updateReplace()).isEqualTo(v + 1);
    assertThat(b.updateAddRemove()).isEqualTo(v + 3);
  }

  @Test
  void heapFiguresAreConsistent() {
    RouterHeap.Figures f = RouterHeap.measure(1_000);
    assertThat(f.reachable()).isGreaterThan(f.added()).isPositive();
    assertThat(f.added()).isPositive();
    assertThat(f.dynamicReachable()).isGreaterThan(f.reachable());
  }
}
